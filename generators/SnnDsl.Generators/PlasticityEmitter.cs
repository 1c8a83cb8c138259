using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using SnnDsl.Model;
using SnnDsl.Model.Ir;
using SnnDsl.Model.Symbolic;
using static SnnDsl.Generators.Emitter;

namespace SnnDsl.Generators;

/// <summary>
/// Prints a <see cref="PlasticitySpec"/> as the rule's <c>Learner</c> type: one array per trace,
/// per-step decay constants resolved once (exact for linear traces), and scalar event-driven
/// <c>OnPre</c>/<c>OnPost</c> loops over the synapses of the neuron that spiked.
/// </summary>
internal static class PlasticityEmitter
{
    public static string HintName(string fullName) => fullName + ".Plasticity.g.cs";

    public static string Emit(PlasticitySpec p) =>
        GeneratedFile.Write(GeneratedFile.GeneratedFrom("Plasticity", p.Name), p.Namespace, p.ContainingTypes, mathAlias: true, w => WriteModel(w, p));

    /// <summary>Dt only, for a rule with errors, so no follow-on errors pile up.</summary>
    public static string EmitBuiltInsOnly(string ns, IReadOnlyList<ContainingType> containing, string name, double dt) =>
        GeneratedFile.BuiltInsOnly("Plasticity", ns, containing, name, "", w => WriteDt(w, dt));

    private static void WriteDt(IndentedTextWriter w, double dt) => GeneratedFile.WriteDt(w, "Plasticity", dt);

    private const string Rule = "global::SnnDsl.Plasticity.IPlasticityRule";
    private const string ILearner = "global::SnnDsl.Plasticity.IPlasticityLearner";

    private static void WriteModel(IndentedTextWriter w, PlasticitySpec p)
    {
        w.WriteLine($"partial record {p.Name} : {Rule}");
        w.WriteLine("{");
        w.Indent++;
        WriteDt(w, p.Dt);
        w.WriteLine();
        w.WriteLine($"/// <summary>Creates the traces and event-driven updates of {p.Name} for a projection from <paramref name=\"sources\"/> to <paramref name=\"targets\"/> neurons.</summary>");
        w.WriteLine("/// <param name=\"sources\">Presynaptic neurons (at least 1).</param>");
        w.WriteLine("/// <param name=\"targets\">Postsynaptic neurons (at least 1).</param>");
        w.WriteLine("/// <param name=\"dt\">The time step in ms; defaults to <see cref=\"Dt\"/>.</param>");
        w.WriteLine("/// <param name=\"synapses\">Synapses of the projection (sizes the [SynapseTrace] arrays; ignored by rules without them).</param>");
        w.WriteLine(GeneratedCode);
        w.WriteLine("public Learner CreateLearner(int sources, int targets, float? dt = null, int synapses = 0) => new Learner(this, sources, targets, dt, synapses);");
        w.WriteLine();
        w.WriteLine(GeneratedCode);
        w.WriteLine($"{ILearner} {Rule}.CreateLearner(int sources, int targets, float? dt, int synapses) => CreateLearner(sources, targets, dt, synapses);");
        w.WriteLine();
        WriteLearner(w, p);
        w.Indent--;
        w.WriteLine("}");
    }

    private static string SideName(TraceSide side) => side switch { TraceSide.Pre => "presynaptic neuron", TraceSide.Post => "postsynaptic neuron", _ => "synapse" };

    private static string Count(TraceSide side) => side switch { TraceSide.Pre => "sources", TraceSide.Post => "targets", _ => "synapses" };

    private static IEnumerable<TraceSpec> Side(PlasticitySpec p, TraceSide side) => p.Traces.Where(t => t.Side == side);

    private static void WriteLearner(IndentedTextWriter w, PlasticitySpec p)
    {
        w.WriteLine("/// <summary>");
        w.WriteLine($"/// The traces of <see cref=\"{p.Name}\"/> for one projection (one value per presynaptic neuron and [PreTrace],");
        w.WriteLine("/// one per postsynaptic neuron and [PostTrace]) and its event-driven weight updates.");
        w.WriteLine("/// </summary>");
        w.WriteLine("/// <remarks>");
        w.WriteLine("/// <para>Rule (time in ms). The handler lines are written in terms of the trace values at the spike: after the step's decay, before the handler's own assignments.</para>");
        w.WriteLine("/// <code>");
        foreach (var t in p.Traces)
            w.WriteLine("/// " + Xml((t.Dynamics == DynamicsKind.Derivative ? $"d{t.Name}/dt = {t.Equation}" : $"{t.Name}[t] = {t.Equation}") + $"   (per {SideName(t.Side)})"));
        foreach (var (h, label) in new[] { (p.OnPre, "on presynaptic spike"), (p.OnPost, "on postsynaptic spike"), (p.OnReward, "on reward") })
        {
            if (h is null) continue;
            foreach (var u in h.TraceUpdates) w.WriteLine("/// " + Xml($"{label}: {u.State} = {u.Value}"));
            foreach (var u in h.SynapseUpdates) w.WriteLine("/// " + Xml($"{label}: {u.State} = {u.Value}   (per synapse)"));
            w.WriteLine("/// " + Xml($"{label}: {h.Weight} = {h.NewWeight}"));
        }
        w.WriteLine("/// </code>");
        w.WriteLine("/// <para>Each step: <see cref=\"Advance\"/> (decay), then <see cref=\"OnPre\"/> per presynaptic spike, then <see cref=\"OnPost\"/> per postsynaptic spike.</para>");
        w.WriteLine("/// </remarks>");
        w.WriteLine(GeneratedCode);
        w.WriteLine($"public sealed class Learner : {ILearner}");
        w.WriteLine("{");
        w.Indent++;
        foreach (var prm in p.Parameters) w.WriteLine($"private readonly float _p_{prm.Name};");
        w.WriteLine("private readonly float _dt;");
        foreach (var t in p.Traces)
        {
            if (t.Dynamics == DynamicsKind.Derivative) w.WriteLine($"private readonly float _P_{t.Name}, _Q_{t.Name};");
            w.WriteLine($"private readonly float _init_{t.Name};");
            w.WriteLine($"private readonly float[] _t_{t.Name};");
        }
        w.WriteLine("private readonly int _sources, _targets, _synapses;");
        w.WriteLine($"private static readonly string[] s_pre = {StringArray(Side(p, TraceSide.Pre).Select(t => t.Name))};");
        w.WriteLine($"private static readonly string[] s_post = {StringArray(Side(p, TraceSide.Post).Select(t => t.Name))};");
        w.WriteLine($"private static readonly string[] s_synapse = {StringArray(Side(p, TraceSide.Synapse).Select(t => t.Name))};");
        w.WriteLine();
        WriteConstructor(w, p);
        WriteMembers(w, p);
        WriteAdvance(w, p);
        WriteHandler(w, p, p.OnPre, TraceSide.Pre);
        WriteHandler(w, p, p.OnPost, TraceSide.Post);
        WriteReward(w, p);
        w.Indent--;
        w.WriteLine("}");
    }

    private static string StringArray(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count == 0 ? "global::System.Array.Empty<string>()" : "{ " + string.Join(", ", list.Select(t => "\"" + t + "\"")) + " }";
    }

    private static void WriteConstructor(IndentedTextWriter w, PlasticitySpec p)
    {
        w.WriteLine("/// <summary>Creates the traces and resolves every constant that depends only on the parameters and <paramref name=\"dt\"/>.</summary>");
        w.WriteLine("/// <param name=\"model\">The parameters.</param>");
        w.WriteLine("/// <param name=\"sources\">Presynaptic neurons (at least 1).</param>");
        w.WriteLine("/// <param name=\"targets\">Postsynaptic neurons (at least 1).</param>");
        w.WriteLine("/// <param name=\"dt\">The time step in ms; defaults to the model's <c>Dt</c>.</param>");
        w.WriteLine("/// <param name=\"synapses\">Synapses (at least 1 when the rule has [SynapseTrace] fields).</param>");
        w.WriteLine("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A count is below 1, or the time step is not positive and finite.</exception>");
        w.WriteLine($"public Learner({p.Name} model, int sources, int targets, float? dt = null, int synapses = 0)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(model);");
        w.WriteLine("if (sources < 1) throw new global::System.ArgumentOutOfRangeException(nameof(sources), sources, \"sources must be at least 1.\");");
        w.WriteLine("if (targets < 1) throw new global::System.ArgumentOutOfRangeException(nameof(targets), targets, \"targets must be at least 1.\");");
        if (Side(p, TraceSide.Synapse).Any())
            w.WriteLine($"if (synapses < 1) throw new global::System.ArgumentOutOfRangeException(nameof(synapses), synapses, \"{p.Name} keeps a trace per synapse: give the projection's synapse count (at least 1).\");");
        else
            w.WriteLine("if (synapses < 0) throw new global::System.ArgumentOutOfRangeException(nameof(synapses), synapses, \"synapses must not be negative.\");");
        w.WriteLine("float step = dt ?? model.Dt;");
        w.WriteLine("if (!(step > 0f) || float.IsPositiveInfinity(step))");
        w.WriteLine("    throw new global::System.ArgumentOutOfRangeException(nameof(dt), step, \"The time step must be a positive, finite number of milliseconds.\");");
        w.WriteLine("Model = model;");
        w.WriteLine("Dt = step;");
        w.WriteLine("_dt = step;");
        w.WriteLine("_sources = sources;");
        w.WriteLine("_targets = targets;");
        w.WriteLine("_synapses = synapses;");
        foreach (var prm in p.Parameters) w.WriteLine($"_p_{prm.Name} = {ParamRead(p.Parameters, prm.Name, "f")};");
        w.WriteLine();
        w.WriteLine("// Constants, computed once in double precision.");
        w.WriteLine("{");
        w.Indent++;
        foreach (var prm in p.Parameters) w.WriteLine($"double {prm.Name} = {ParamRead(p.Parameters, prm.Name, ".0")};");
        w.WriteLine("double Dt = step;");
        foreach (var t in p.Traces)
        {
            w.WriteLine($"_init_{t.Name} = (float)({DoublePrinter.Print(t.Initial)});");
            if (t.Dynamics != DynamicsKind.Derivative) continue;
            w.WriteLine($"// d{t.Name}/dt = a {t.Name} + b with a = {t.Rate}, b = {t.Drive}: exactly {t.Name} <- {t.Name} e^(a Dt) + b (e^(a Dt) - 1) / a.");
            w.WriteLine($"double _a_{t.Name} = {DoublePrinter.Print(t.Rate)};");
            w.WriteLine($"double _b_{t.Name} = {DoublePrinter.Print(t.Drive)};");
            w.WriteLine($"double _e_{t.Name} = global::System.Math.Exp(_a_{t.Name} * Dt);");
            w.WriteLine($"double _q_{t.Name} = _a_{t.Name} == 0.0 ? _b_{t.Name} * Dt : _b_{t.Name} * (_e_{t.Name} - 1.0) / _a_{t.Name};");
            w.WriteLine($"if (!double.IsFinite(_e_{t.Name}) || !double.IsFinite(_q_{t.Name}))");
            w.WriteLine($"    throw new global::System.ArgumentException($\"{p.Name}: the decay of {t.Name} over one step is not finite with these parameters at Dt = {{step}} ms (a zero time constant?).\", nameof(model));");
            w.WriteLine($"_P_{t.Name} = (float)_e_{t.Name};");
            w.WriteLine($"_Q_{t.Name} = (float)_q_{t.Name};");
        }
        w.Indent--;
        w.WriteLine("}");
        foreach (var t in p.Traces) w.WriteLine($"_t_{t.Name} = new float[{Count(t.Side)}];");
        w.WriteLine("Reset();");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }

    private static void WriteMembers(IndentedTextWriter w, PlasticitySpec p)
    {
        w.WriteLine("/// <summary>The parameters these traces were built from.</summary>");
        w.WriteLine($"public {p.Name} Model {{ get; }}");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public int Sources => _sources;");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public int Targets => _targets;");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public float Dt { get; }");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public global::System.Collections.Generic.IReadOnlyList<string> PreTraces => s_pre;");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public global::System.Collections.Generic.IReadOnlyList<string> PostTraces => s_post;");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public global::System.Collections.Generic.IReadOnlyList<string> SynapseTraces => s_synapse;");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public int Synapses => _synapses;");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine($"public bool HasOnReward => {(p.OnReward is null ? "false" : "true")};");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine($"public bool HasOnPre => {(p.OnPre is null ? "false" : "true")};");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine($"public bool HasOnPost => {(p.OnPost is null ? "false" : "true")};");
        w.WriteLine();
        foreach (var t in p.Traces)
        {
            w.WriteLine($"/// <summary>The trace {t.Name}, one value per {SideName(t.Side)}.</summary>");
            w.WriteLine($"public global::System.Span<float> {t.Name} => _t_{t.Name};");
            w.WriteLine();
        }
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public global::System.Span<float> Trace(string name) => name switch");
        w.WriteLine("{");
        w.Indent++;
        foreach (var t in p.Traces) w.WriteLine($"\"{t.Name}\" => _t_{t.Name},");
        w.WriteLine($"_ => throw new global::System.ArgumentException($\"{p.Name} has no trace '{{name}}'; its traces are: {string.Join(", ", p.Traces.Select(t => t.Name))}.\", nameof(name)),");
        w.Indent--;
        w.WriteLine("};");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public void Reset()");
        w.WriteLine("{");
        foreach (var t in p.Traces) w.WriteLine($"    global::System.Array.Fill(_t_{t.Name}, _init_{t.Name});");
        w.WriteLine("}");
        w.WriteLine();
    }

    private static void WriteParamLocals(IndentedTextWriter w, PlasticitySpec p, IEnumerable<Expr> used)
    {
        var syms = new HashSet<string>();
        bool dt = false;
        foreach (var e in used)
            foreach (var s in Algebra.Symbols(e))
            {
                if (s.Kind == SymKind.Param) syms.Add(s.Name);
                if (s.Kind == SymKind.Dt) dt = true;
            }
        foreach (var prm in p.Parameters) if (syms.Contains(prm.Name)) w.WriteLine($"float {prm.Name} = _p_{prm.Name};");
        if (dt) w.WriteLine("float Dt = _dt;");
    }

    private static void WriteAdvance(IndentedTextWriter w, PlasticitySpec p)
    {
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public void Advance()");
        w.WriteLine("{");
        w.Indent++;
        foreach (var t in p.Traces)
        {
            w.WriteLine("{");
            w.Indent++;
            w.WriteLine($"float[] _x = _t_{t.Name};");
            if (t.Dynamics == DynamicsKind.Derivative)
            {
                if (t.Drive is Num { Value: 0 })
                {
                    w.WriteLine($"float _p = _P_{t.Name};");
                    w.WriteLine("for (int _i = 0; _i < _x.Length; _i++) _x[_i] *= _p;");
                }
                else
                {
                    w.WriteLine($"float _p = _P_{t.Name}, _q = _Q_{t.Name};");
                    w.WriteLine("for (int _i = 0; _i < _x.Length; _i++) _x[_i] = _x[_i] * _p + _q;");
                }
            }
            else
            {
                WriteParamLocals(w, p, new[] { t.Equation });
                w.WriteLine("for (int _i = 0; _i < _x.Length; _i++)");
                w.WriteLine("{");
                w.WriteLine($"    float {t.Name} = _x[_i];");
                w.WriteLine($"    _x[_i] = {KernelPrinter.Print(t.Equation)};");
                w.WriteLine("}");
            }
            w.Indent--;
            w.WriteLine("}");
        }
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }

    private static void WriteReward(IndentedTextWriter w, PlasticitySpec p)
    {
        var h = p.OnReward;
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public void Reward(float reward, global::System.Span<float> weights)");
        w.WriteLine("{");
        w.Indent++;
        if (h is not null)
        {
            w.WriteLine("if (weights.Length != _synapses) throw new global::System.ArgumentException($\"weights holds {weights.Length} values but the learner was built for {_synapses} synapses.\", nameof(weights));");
            var exprs = h.SynapseUpdates.Select(u => u.Value).Append(h.NewWeight).ToList();
            WriteParamLocals(w, p, exprs);
            var used = exprs.SelectMany(Algebra.Symbols).ToList();
            if (h.Reward != "reward") w.WriteLine($"float {h.Reward} = reward;");
            w.WriteLine("for (int _q = 0; _q < weights.Length; _q++)");
            w.WriteLine("{");
            w.Indent++;
            foreach (var t in Side(p, TraceSide.Synapse)) if (used.Contains(new Sym(SymKind.State, t.Name))) w.WriteLine($"float {t.Name} = _t_{t.Name}[_q];");
            if (used.Contains(new Sym(SymKind.Input, h.Weight))) w.WriteLine($"float {h.Weight} = weights[_q];");
            foreach (var u in h.SynapseUpdates) w.WriteLine($"float _n_{u.State} = {KernelPrinter.Print(u.Value)};");
            w.WriteLine($"weights[_q] = {KernelPrinter.Print(h.NewWeight)};");
            foreach (var u in h.SynapseUpdates) w.WriteLine($"_t_{u.State}[_q] = _n_{u.State};");
            w.Indent--;
            w.WriteLine("}");
        }
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }

    private static void WriteHandler(IndentedTextWriter w, PlasticitySpec p, HandlerSpec? h, TraceSide side)
    {
        bool pre = side == TraceSide.Pre;
        w.WriteLine("/// <inheritdoc/>");
        if (pre) w.WriteLine("public void OnPre(int source, int firstSynapse, global::System.ReadOnlySpan<int> targets, global::System.Span<float> weights)");
        else w.WriteLine("public void OnPost(int target, global::System.ReadOnlySpan<int> synapses, global::System.ReadOnlySpan<int> sources, global::System.Span<float> weights)");
        w.WriteLine("{");
        w.Indent++;
        string self = pre ? "source" : "target", count = pre ? "_sources" : "_targets";
        w.WriteLine($"if ((uint){self} >= (uint){count}) throw new global::System.ArgumentOutOfRangeException(nameof({self}), {self}, $\"{self} must be in [0, {{{count}}}).\");");
        if (pre) w.WriteLine("if (targets.Length != weights.Length) throw new global::System.ArgumentException($\"targets holds {targets.Length} values but weights {weights.Length}; give one target per weight.\", nameof(weights));");
        else w.WriteLine("if (synapses.Length != sources.Length) throw new global::System.ArgumentException($\"synapses holds {synapses.Length} values but sources {sources.Length}; give one source per synapse.\", nameof(sources));");
        bool synapseTraces = h is not null && (h.SynapseUpdates.Count > 0 || Algebra.Symbols(h.NewWeight).Any(x => x.Kind == SymKind.State && p.Traces.Any(t => t.Name == x.Name && t.Side == TraceSide.Synapse)));
        if (pre && synapseTraces) w.WriteLine("if (firstSynapse < 0 || firstSynapse > _synapses - weights.Length) throw new global::System.ArgumentOutOfRangeException(nameof(firstSynapse), firstSynapse, $\"synapses [{firstSynapse}, {firstSynapse + weights.Length}) are not in [0, {_synapses}).\");");
        if (h is not null)
        {
            var exprs = h.TraceUpdates.Select(u => u.Value).Append(h.NewWeight).Concat(h.SynapseUpdates.Select(u => u.Value)).ToList();
            WriteParamLocals(w, p, exprs);
            var used = new HashSet<string>(exprs.SelectMany(Algebra.Symbols).Where(s => s.Kind == SymKind.State).Select(s => s.Name));
            foreach (var u in h.TraceUpdates) used.Add(u.State);
            // The spiking neuron's own traces: values at entry (after this step's decay).
            foreach (var t in Side(p, side)) if (used.Contains(t.Name)) w.WriteLine($"float {t.Name} = _t_{t.Name}[{self}];");
            foreach (var u in h.TraceUpdates) w.WriteLine($"_t_{u.State}[{self}] = {KernelPrinter.Print(u.Value)};");
            var perSynapse = h.SynapseUpdates.Select(u => u.Value).Append(h.NewWeight).SelectMany(Algebra.Symbols).ToList();
            var otherUsed = Side(p, pre ? TraceSide.Post : TraceSide.Pre).Where(t => perSynapse.Contains(new Sym(SymKind.State, t.Name))).ToList();
            var synUsed = Side(p, TraceSide.Synapse).Where(t => perSynapse.Contains(new Sym(SymKind.State, t.Name))).ToList();
            bool readsWeight = perSynapse.Contains(new Sym(SymKind.Input, h.Weight));
            w.WriteLine($"for (int _k = 0; _k < {(pre ? "weights" : "synapses")}.Length; _k++)");
            w.WriteLine("{");
            w.Indent++;
            string at = pre ? "_k" : "_q";
            if (!pre) w.WriteLine("int _q = synapses[_k];");
            if (otherUsed.Count > 0)
            {
                w.WriteLine(pre ? "int _j = targets[_k];" : "int _j = sources[_k];");
                foreach (var t in otherUsed) w.WriteLine($"float {t.Name} = _t_{t.Name}[_j];");
            }
            string syn = pre ? "_s" : "_q";
            if (pre && (synUsed.Count > 0 || h.SynapseUpdates.Count > 0)) w.WriteLine("int _s = firstSynapse + _k;");
            foreach (var t in synUsed) w.WriteLine($"float {t.Name} = _t_{t.Name}[{syn}];");
            if (readsWeight) w.WriteLine($"float {h.Weight} = weights[{at}];");
            foreach (var u in h.SynapseUpdates) w.WriteLine($"float _n_{u.State} = {KernelPrinter.Print(u.Value)};");
            w.WriteLine($"weights[{at}] = {KernelPrinter.Print(h.NewWeight)};");
            foreach (var u in h.SynapseUpdates) w.WriteLine($"_t_{u.State}[{syn}] = _n_{u.State};");
            w.Indent--;
            w.WriteLine("}");
        }
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }
}
