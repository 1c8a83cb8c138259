using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using SnnDsl.Model;
using SnnDsl.Model.Ir;
using static SnnDsl.Generators.Emitter;

namespace SnnDsl.Generators;

/// <summary>
/// The lowered form of a <c>[Synapse]</c>: the dynamics' kernel plan (constants, per-step
/// statements, exact propagators) plus the <c>[OnPre]</c> assignments and the <c>[Output]</c>
/// expression after the same hoisting and literal naming.
/// </summary>
internal sealed record SynapsePlan(SynapseSpec Synapse, KernelPlan Dynamics, EquatableArray<ResetSpec> OnPre, Expr Output);

internal static class SynapseLower
{
    /// <summary>
    /// Lowers the synapse through the neuron lowering, so both share integrators, hoisting and exact
    /// propagators: the [Output] expression rides in the spike slot (as Output &gt;= 0) and the
    /// [OnPre] assignments in the reset slot; neither is used as a spike or reset.
    /// </summary>
    public static SynapsePlan Run(SynapseSpec s)
    {
        var carrier = s.Dynamics with
        {
            Spike = new SpikeSpec(s.Output, Expr.Zero, false, null, SurrogateKind.StraightThrough, 1, null),
            Resets = s.OnPre,
        };
        var plan = Lower.Run(carrier);
        var output = plan.Spike is Binary { Op: BinOp.Ge } ge ? ge.Left : s.Output;
        return new SynapsePlan(s, plan, plan.Resets, output);
    }
}

/// <summary>Prints a <see cref="SynapsePlan"/> as the model's <c>Targets</c> type: SoA state per target neuron, SIMD Advance and AddOutput, scalar OnPre.</summary>
internal static class SynapseEmitter
{
    public static string HintName(string fullName) => fullName + ".Synapse.g.cs";

    public static string Emit(SynapsePlan sp)
    {
        var m = sp.Dynamics.Model;
        return GeneratedFile.Write(GeneratedFile.GeneratedFrom("Synapse", m.Name), m.Namespace, m.ContainingTypes, mathAlias: true, w => WriteModel(w, sp));
    }

    /// <summary>Dt and CreateTargets only, for a synapse with errors, so no follow-on errors pile up.</summary>
    public static string EmitBuiltInsOnly(string ns, IReadOnlyList<ContainingType> containing, string name, double dt) =>
        GeneratedFile.BuiltInsOnly("Synapse", ns, containing, name, "", w => WriteDt(w, dt));

    private static void WriteDt(IndentedTextWriter w, double dt) => GeneratedFile.WriteDt(w, "Synapse", dt);

    private static void WriteModel(IndentedTextWriter w, SynapsePlan sp)
    {
        var m = sp.Dynamics.Model;
        w.WriteLine($"partial record {m.Name} : global::SnnDsl.Simulation.ISynapseModel");
        w.WriteLine("{");
        w.Indent++;
        WriteDt(w, m.Dt);
        w.WriteLine();
        w.WriteLine($"/// <summary>Creates the per-target state of {m.Name} synapses for <paramref name=\"targets\"/> neurons with these parameters.</summary>");
        w.WriteLine("/// <param name=\"targets\">Target neurons (at least 1).</param>");
        w.WriteLine("/// <param name=\"dt\">The time step in ms; defaults to <see cref=\"Dt\"/>.</param>");
        w.WriteLine(GeneratedCode);
        w.WriteLine("public Targets CreateTargets(int targets, float? dt = null) => new Targets(this, targets, dt);");
        w.WriteLine();
        w.WriteLine(GeneratedCode);
        w.WriteLine("global::SnnDsl.Simulation.ISynapseTargets global::SnnDsl.Simulation.ISynapseModel.CreateTargets(int targets, float? dt) => CreateTargets(targets, dt);");
        w.WriteLine();
        WriteTargets(w, sp);
        w.Indent--;
        w.WriteLine("}");
    }

    private static void WriteTargets(IndentedTextWriter w, SynapsePlan sp)
    {
        var plan = sp.Dynamics;
        var m = plan.Model;
        var s = sp.Synapse;
        w.WriteLine("/// <summary>");
        w.WriteLine($"/// The per-target state of <see cref=\"{m.Name}\"/> synapses: one value per target neuron and state,");
        w.WriteLine("/// constants resolved once at construction, SIMD <c>Advance</c> and <c>AddOutput</c>, scalar <c>OnPre</c>.");
        w.WriteLine("/// </summary>");
        w.WriteLine("/// <remarks>");
        w.WriteLine("/// <para>Equations (time in ms):</para>");
        w.WriteLine("/// <code>");
        foreach (var st in m.States)
            w.WriteLine("/// " + Xml(st.Dynamics == DynamicsKind.Derivative ? $"d{st.Name}/dt = {st.Equation}" : $"{st.Name}[t] = {st.Equation}"));
        foreach (var r in s.OnPre) w.WriteLine("/// " + Xml($"on presynaptic spike of weight {s.Weight}: {r.State} = {r.Value}"));
        w.WriteLine("/// " + Xml($"{s.Port} += {s.Output}") + (s.TargetReads.Count > 0 ? Xml($"   (reads the target's {string.Join(", ", s.TargetReads)})") : ""));
        w.WriteLine("/// </code>");
        w.WriteLine($"/// <para>Integrator: {plan.Integrator} ({Xml(plan.IntegratorReason)}).</para>");
        w.WriteLine("/// </remarks>");
        w.WriteLine(GeneratedCode);
        w.WriteLine("public sealed class Targets : global::SnnDsl.Simulation.ISynapseTargets");
        w.WriteLine("{");
        w.Indent++;
        foreach (var p in plan.KernelParameters) w.WriteLine($"private readonly float _p_{p};");
        foreach (var c in plan.KernelConstants) w.WriteLine($"private readonly float _c{c};");
        foreach (var st in m.States) w.WriteLine($"private readonly float _c_init_{st.Name};");
        if (plan.KernelUsesDt) w.WriteLine("private readonly float _dt;");
        foreach (var st in m.States) w.WriteLine($"private readonly float[] _s_{st.Name};");
        w.WriteLine("private readonly int _count;");
        w.WriteLine($"private static readonly string[] s_targetStates = {StringArray(s.TargetReads)};");
        w.WriteLine($"private static readonly string[] s_states = {StringArray(m.States.Select(t => t.Name))};");
        w.WriteLine();

        WriteConstructor(w, plan);
        WriteProperties(w, sp);
        WriteOnPre(w, sp);
        WriteAdvance(w, plan);
        WriteAddOutput(w, sp);
        w.WriteLine("private void CheckRange(int start, int count)");
        w.WriteLine("{");
        w.WriteLine("    if ((uint)start > (uint)_count) throw new global::System.ArgumentOutOfRangeException(nameof(start), start, $\"start must be in [0, {_count}].\");");
        w.WriteLine("    if ((uint)count > (uint)(_count - start)) throw new global::System.ArgumentOutOfRangeException(nameof(count), count, $\"count must be in [0, {_count - start}] for start = {start} ({_count} targets).\");");
        w.WriteLine("}");
        w.Indent--;
        w.WriteLine("}");
    }

    private static string StringArray(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count == 0 ? "global::System.Array.Empty<string>()" : "{ " + string.Join(", ", list.Select(t => "\"" + t + "\"")) + " }";
    }

    private static void WriteConstructor(IndentedTextWriter w, KernelPlan plan)
    {
        var m = plan.Model;
        w.WriteLine("/// <summary>Creates the per-target state and resolves every constant that depends only on the parameters and <paramref name=\"dt\"/>.</summary>");
        w.WriteLine("/// <param name=\"model\">The parameters.</param>");
        w.WriteLine("/// <param name=\"targets\">Target neurons (at least 1).</param>");
        w.WriteLine("/// <param name=\"dt\">The time step in ms; defaults to the model's <c>Dt</c>.</param>");
        w.WriteLine("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">targets is below 1, or the time step is not positive and finite.</exception>");
        w.WriteLine($"public Targets({m.Name} model, int targets, float? dt = null)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(model);");
        w.WriteLine("if (targets < 1) throw new global::System.ArgumentOutOfRangeException(nameof(targets), targets, \"targets must be at least 1.\");");
        w.WriteLine("float step = dt ?? model.Dt;");
        w.WriteLine("if (!(step > 0f) || float.IsPositiveInfinity(step))");
        w.WriteLine("    throw new global::System.ArgumentOutOfRangeException(nameof(dt), step, \"The time step must be a positive, finite number of milliseconds.\");");
        w.WriteLine("Model = model;");
        w.WriteLine("Dt = step;");
        w.WriteLine("_count = targets;");
        foreach (var p in plan.KernelParameters) w.WriteLine($"_p_{p} = {ParamRead(m.Parameters, p, "f")};");
        if (plan.KernelUsesDt) w.WriteLine("_dt = step;");
        w.WriteLine();
        w.WriteLine("// Constants, computed once in double precision.");
        w.WriteLine("{");
        w.Indent++;
        foreach (var p in m.Parameters) w.WriteLine($"double {p.Name} = {ParamRead(m.Parameters, p.Name, ".0")};");
        w.WriteLine("double Dt = step;");
        WriteConstantSteps(w, plan, driven: false);
        WriteFiniteGuards(w, m.Name, plan.KernelConstants, plan.Constants);
        foreach (var c in plan.KernelConstants) w.WriteLine($"_c{c} = (float){c};");
        foreach (var init in plan.Initials) w.WriteLine($"_c{init.Name} = (float)({DoublePrinter.Print(init.Value)});");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
        foreach (var st in m.States) w.WriteLine($"_s_{st.Name} = new float[targets];");
        w.WriteLine("Reset();");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }

    private static void WriteProperties(IndentedTextWriter w, SynapsePlan sp)
    {
        var plan = sp.Dynamics;
        var m = plan.Model;
        w.WriteLine($"/// <summary>The integrator of the synapse state: {plan.Integrator} ({Xml(plan.IntegratorReason)}).</summary>");
        w.WriteLine($"public static global::SnnDsl.Integrator Integrator => global::SnnDsl.Integrator.{plan.Integrator};");
        w.WriteLine();
        w.WriteLine("/// <summary>The parameters these synapses were built from.</summary>");
        w.WriteLine($"public {m.Name} Model {{ get; }}");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public int Count => _count;");
        w.WriteLine();
        w.WriteLine("/// <summary>The time step in ms the constants were resolved for.</summary>");
        w.WriteLine("public float Dt { get; }");
        w.WriteLine();
        w.WriteLine($"/// <summary>The target neuron's input port the current goes to: <c>{sp.Synapse.Port}</c>.</summary>");
        w.WriteLine($"public string Port => \"{sp.Synapse.Port}\";");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public global::System.Collections.Generic.IReadOnlyList<string> TargetStates => s_targetStates;");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public global::System.Collections.Generic.IReadOnlyList<string> States => s_states;");
        w.WriteLine();
        foreach (var st in m.States)
        {
            w.WriteLine($"/// <summary>State <c>{st.Name}</c> of every target.</summary>");
            w.WriteLine($"public global::System.Span<float> {st.Name} => _s_{st.Name};");
            w.WriteLine();
        }
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public global::System.Span<float> State(string name) => name switch");
        w.WriteLine("{");
        w.Indent++;
        foreach (var st in m.States) w.WriteLine($"\"{st.Name}\" => _s_{st.Name},");
        w.WriteLine($"_ => throw new global::System.ArgumentException($\"{m.Name} has no state '{{name}}'; its states are: {string.Join(", ", m.States.Select(x => x.Name))}.\", nameof(name)),");
        w.Indent--;
        w.WriteLine("};");
        w.WriteLine();
        w.WriteLine("/// <summary>Sets every state to its initial value.</summary>");
        w.WriteLine("public void Reset()");
        w.WriteLine("{");
        w.Indent++;
        foreach (var st in m.States) w.WriteLine($"global::System.Array.Fill(_s_{st.Name}, _c_init_{st.Name});");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }

    private static void WriteLocals(IndentedTextWriter w, KernelPlan plan, HashSet<string> names, System.Func<string, string> broadcast)
    {
        foreach (var p in plan.KernelParameters.Where(names.Contains)) w.WriteLine($"var {p} = {broadcast("_p_" + p)};");
        foreach (var c in plan.KernelConstants.Where(names.Contains)) w.WriteLine($"var {c} = {broadcast("_c" + c)};");
        if (names.Contains("Dt")) w.WriteLine($"var Dt = {broadcast("_dt")};");
        foreach (var l in plan.Literals.Where(l => names.Contains(l.Name))) w.WriteLine($"var {l.Name} = {broadcast(FloatLiteral(l.Value))};");
    }

    private static void WriteOnPre(IndentedTextWriter w, SynapsePlan sp)
    {
        var plan = sp.Dynamics;
        var s = sp.Synapse;
        var names = Used(sp.OnPre.Select(r => r.Value));
        var states = plan.Model.States.Where(st => names.Contains(st.Name) || sp.OnPre.Any(r => r.State == st.Name)).ToList();
        w.WriteLine($"/// <summary>A presynaptic spike of weight <paramref name=\"w\"/> arrives at <paramref name=\"target\"/>: {Xml(string.Join("; ", sp.Synapse.OnPre.Select(r => $"{r.State} = {r.Value}")))}.</summary>");
        w.WriteLine("/// <param name=\"target\">The target neuron, in [0, Count).</param>");
        w.WriteLine("/// <param name=\"w\">The synapse's weight.</param>");
        w.WriteLine("public void OnPre(int target, float w)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("if ((uint)target >= (uint)_count) throw new global::System.ArgumentOutOfRangeException(nameof(target), target, $\"target must be in [0, {_count}).\");");
        if (s.Weight != "w" && names.Contains(s.Weight)) w.WriteLine($"var {s.Weight} = w;");
        WriteLocals(w, plan, names, x => x);
        foreach (var st in states) w.WriteLine($"ref float {st.Name} = ref _s_{st.Name}[target];");
        foreach (var r in sp.OnPre) w.WriteLine($"{r.State} = {KernelPrinter.Print(r.Value)};");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }

    private static void WriteAdvance(IndentedTextWriter w, KernelPlan plan)
    {
        var m = plan.Model;
        var names = Used(plan.Body.Select(b => b.Value).Concat(plan.Commit.Select(c => c.Value)));
        w.WriteLine("/// <summary>Integrates the state of targets <c>[start, start + count)</c> over one step.</summary>");
        w.WriteLine("/// <param name=\"start\">The first target.</param>");
        w.WriteLine("/// <param name=\"count\">The number of targets.</param>");
        w.WriteLine("public void Advance(int start, int count)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("CheckRange(start, count);");
        foreach (var st in m.States) w.WriteLine($"ref float _r_{st.Name} = ref {Marshal}.GetArrayDataReference(_s_{st.Name});");
        w.WriteLine("int _i = start;");
        w.WriteLine("int _end = start + count;");
        foreach (bool vector in new[] { true, false })
        {
            string Broadcast(string x) => vector ? $"new {Vec}({x})" : x;
            string Load(string r, string o) => vector ? $"{VecStatic}.LoadUnsafe(ref {r}, {o})" : $"{Unsafe}.Add(ref {r}, {o})";
            string Store(string v, string r, string o) => vector ? $"{VecStatic}.StoreUnsafe({v}, ref {r}, {o});" : $"{Unsafe}.Add(ref {r}, {o}) = {v};";
            w.WriteLine(vector ? "// SIMD body, Vector<float>.Count targets at a time." : "// Scalar tail: the same statements.");
            w.WriteLine("{");
            w.Indent++;
            WriteLocals(w, plan, names, Broadcast);
            w.WriteLine(vector ? $"for (; _i <= _end - {Vec}.Count; _i += {Vec}.Count)" : "for (; _i < _end; _i++)");
            w.WriteLine("{");
            w.Indent++;
            foreach (var st in m.States) w.WriteLine($"var {st.Name} = {Load("_r_" + st.Name, "(nuint)_i")};");
            foreach (var b in plan.Body)
            {
                if (b.Comment.Length > 0) w.WriteLine($"// {b.Comment}");
                w.WriteLine($"var {b.Name} = {KernelPrinter.Print(b.Value)};");
            }
            foreach (var c in plan.Commit) w.WriteLine($"{c.Name} = {KernelPrinter.Print(c.Value)};");
            foreach (var st in m.States) w.WriteLine(Store(st.Name, "_r_" + st.Name, "(nuint)_i"));
            w.Indent--;
            w.WriteLine("}");
            w.Indent--;
            w.WriteLine("}");
        }
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }

    private static void WriteAddOutput(IndentedTextWriter w, SynapsePlan sp)
    {
        var plan = sp.Dynamics;
        var s = sp.Synapse;
        var names = Used(new[] { sp.Output });
        var states = plan.Model.States.Where(st => names.Contains(st.Name)).ToList();
        w.WriteLine($"/// <summary>Adds {Xml(s.Output.ToString())} of targets <c>[start, start + count)</c> to <paramref name=\"current\"/> (current[0] is target <paramref name=\"start\"/>).</summary>");
        w.WriteLine("/// <param name=\"start\">The first target.</param>");
        w.WriteLine("/// <param name=\"count\">The number of targets.</param>");
        w.WriteLine($"/// <param name=\"current\">The target block's port <c>{s.Port}</c>, at least <paramref name=\"count\"/> values.</param>");
        w.WriteLine("/// <param name=\"target\">The target block's states" + (s.TargetReads.Count > 0 ? $" ({string.Join(", ", s.TargetReads)}, by slot)" : " (none are read)") + ".</param>");
        w.WriteLine("public void AddOutput(int start, int count, global::System.Span<float> current, global::SnnDsl.Simulation.ITargetStateReader target)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("CheckRange(start, count);");
        w.WriteLine("if (current.Length < count) throw new global::System.ArgumentException($\"current must hold at least count = {count} values, but holds {current.Length}.\", nameof(current));");
        for (int k = 0; k < s.TargetReads.Count; k++)
        {
            string t = s.TargetReads[k];
            if (k == 0) w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(target);");
            w.WriteLine($"var _t_{t} = target.Read({k});");
            w.WriteLine($"if (_t_{t}.Length < count) throw new global::System.ArgumentException($\"The target state {t} must hold at least count = {{count}} values, but holds {{_t_{t}.Length}}.\", nameof(target));");
            w.WriteLine($"ref float _r_t_{t} = ref {Marshal}.GetReference(_t_{t});");
        }
        w.WriteLine($"ref float _r_current = ref {Marshal}.GetReference(current);");
        foreach (var st in states) w.WriteLine($"ref float _r_{st.Name} = ref {Marshal}.GetArrayDataReference(_s_{st.Name});");
        w.WriteLine("int _j = 0;");
        foreach (bool vector in new[] { true, false })
        {
            string Broadcast(string x) => vector ? $"new {Vec}({x})" : x;
            string Load(string r, string o) => vector ? $"{VecStatic}.LoadUnsafe(ref {r}, {o})" : $"{Unsafe}.Add(ref {r}, {o})";
            w.WriteLine(vector ? "// SIMD body, Vector<float>.Count targets at a time." : "// Scalar tail: the same statements.");
            w.WriteLine("{");
            w.Indent++;
            WriteLocals(w, plan, names, Broadcast);
            w.WriteLine(vector ? $"for (; _j <= count - {Vec}.Count; _j += {Vec}.Count)" : "for (; _j < count; _j++)");
            w.WriteLine("{");
            w.Indent++;
            foreach (var st in states) w.WriteLine($"var {st.Name} = {Load("_r_" + st.Name, "(nuint)(start + _j)")};");
            foreach (var t in s.TargetReads.Where(names.Contains)) w.WriteLine($"var {t} = {Load("_r_t_" + t, "(nuint)_j")};");
            string value = $"{Load("_r_current", "(nuint)_j")} + ({KernelPrinter.Print(sp.Output)})";
            w.WriteLine(vector ? $"{VecStatic}.StoreUnsafe({value}, ref _r_current, (nuint)_j);" : $"{Unsafe}.Add(ref _r_current, (nuint)_j) = {value};");
            w.Indent--;
            w.WriteLine("}");
            w.Indent--;
            w.WriteLine("}");
        }
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }
}
