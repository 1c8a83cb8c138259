using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using SnnDsl.Model;
using SnnDsl.Model.Ir;
using SnnDsl.Model.Symbolic;

namespace SnnDsl.Generators;

/// <summary>Prints a <see cref="KernelPlan"/> as the C# of the model's partial record and its <c>Layer</c> type.</summary>
internal static class Emitter
{
    internal const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"SnnDsl.Generators\", \"" + ThisAssembly.Version + "\")]";
    internal const string Vec = "global::System.Numerics.Vector<float>";
    internal const string VecStatic = "global::System.Numerics.Vector";
    internal const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    internal const string Marshal = "global::System.Runtime.InteropServices.MemoryMarshal";

    public static string FloatLiteral(double v)
    {
        float f = (float)v;
        if (float.IsPositiveInfinity(f)) return "float.PositiveInfinity";
        if (float.IsNegativeInfinity(f)) return "float.NegativeInfinity";
        if (float.IsNaN(f)) return "float.NaN";
        return f.ToString("R", CultureInfo.InvariantCulture) + "f";
    }

    /// <summary>Reads a parameter from the model; bool options become 1 or 0.</summary>
    internal static string ParamRead(EquatableArray<ParamSpec> parameters, string name, string suffix) =>
        parameters.Any(p => p.Name == name && p.IsBool) ? $"(model.{name} ? 1{suffix} : 0{suffix})" : $"model.{name}";

    /// <summary>Removes the indentation <see cref="IndentedTextWriter"/> leaves on blank lines.</summary>
    internal static string TrimLineEnds(string text) => System.Text.RegularExpressions.Regex.Replace(text, "[ \\t]+\n", "\n");

    public static string HintName(ModelSpec m) => m.FullName + ".Neuron.g.cs";

    public static string Emit(KernelPlan plan)
    {
        var m = plan.Model;
        return GeneratedFile.Write(GeneratedFile.GeneratedFrom("Neuron", m.Name), m.Namespace, m.ContainingTypes, mathAlias: true, w => WriteModel(w, plan));
    }

    /// <summary>The built-ins added even when the model has errors, so the user sees only the SnnDsl diagnostic.</summary>
    public static string EmitBuiltInsOnly(string ns, IReadOnlyList<ContainingType> containing, string name, double dt) =>
        GeneratedFile.BuiltInsOnly("Neuron", ns, containing, name, " : global::SnnDsl.INeuronModel", w => WriteBuiltIns(w, dt));

    private static void WriteBuiltIns(IndentedTextWriter w, double dt)
    {
        GeneratedFile.WriteDt(w, "Neuron", dt);
        w.WriteLine();
        w.WriteLine("/// <summary>The previous step's spike (0 or 1) of this neuron when the record is used as a scalar reference implementation.</summary>");
        w.WriteLine(GeneratedCode);
        w.WriteLine("public float Spiked { get; set; }");
    }

    internal static string Xml(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static void WriteModel(IndentedTextWriter w, KernelPlan plan)
    {
        var m = plan.Model;
        w.WriteLine($"partial record {m.Name} : global::SnnDsl.INeuronModel");
        w.WriteLine("{");
        w.Indent++;
        WriteBuiltIns(w, m.Dt);
        w.WriteLine();
        w.WriteLine($"/// <summary>Creates a population of <paramref name=\"batch\"/> x <paramref name=\"neurons\"/> {m.Name} neurons with these parameters.</summary>");
        w.WriteLine("/// <param name=\"batch\">Independent samples simulated side by side.</param>");
        w.WriteLine("/// <param name=\"neurons\">Neurons per sample.</param>");
        w.WriteLine("/// <param name=\"dt\">The time step in ms; defaults to <see cref=\"Dt\"/>.</param>");
        w.WriteLine(GeneratedCode);
        w.WriteLine("public Layer CreateLayer(int batch, int neurons, float? dt = null) => new Layer(this, batch, neurons, dt);");
        w.WriteLine();
        WriteLayer(w, plan);
        w.Indent--;
        w.WriteLine("}");
    }

    private static void WriteLayer(IndentedTextWriter w, KernelPlan plan)
    {
        var m = plan.Model;
        var ports = m.Inputs.ToList();
        bool single = ports.Count == 1;

        w.WriteLine("/// <summary>");
        w.WriteLine($"/// A population of <see cref=\"{m.Name}\"/> neurons: state as structure-of-arrays over <c>[batch, neurons]</c>,");
        w.WriteLine("/// constants resolved once at construction, and a SIMD kernel fused over time.");
        w.WriteLine("/// </summary>");
        w.WriteLine("/// <remarks>");
        w.WriteLine("/// <para>Equations (time in ms):</para>");
        w.WriteLine("/// <code>");
        foreach (var s in m.States)
            w.WriteLine("/// " + Xml(s.Dynamics == DynamicsKind.Derivative ? $"d{s.Name}/dt = {s.Equation}" : $"{s.Name}[t] = {s.Equation}"));
        w.WriteLine("/// " + Xml($"spike when {m.Spike!.Condition}"));
        foreach (var r in m.Resets) w.WriteLine("/// " + Xml($"on spike: {r.State} = {r.Value}"));
        w.WriteLine("/// </code>");
        w.WriteLine($"/// <para>Integrator: {plan.Integrator} ({Xml(plan.IntegratorReason)}). Each step integrates, then fires, then resets.</para>");
        w.WriteLine("/// <para>Thread safety: a layer is not thread-safe; every call advances its state, so use it from one thread at a time");
        w.WriteLine("/// (concurrent calls are not detected: they give wrong results, though every read stays within the layer's and the");
        w.WriteLine("/// caller's buffers). Separate layers, even of the same model, share nothing and can run on separate threads.</para>");
        w.WriteLine("/// </remarks>");
        w.WriteLine(GeneratedCode);
        bool trainable = plan.Backward is not null;
        string bases = trainable ? " : global::SnnDsl.Training.ITrainableLayer" : single ? " : global::SnnDsl.ISpikingLayer" : "";
        if (plan.Learning is not null) bases += bases.Length == 0 ? " : global::SnnDsl.Training.ILearnableLayer" : ", global::SnnDsl.Training.ILearnableLayer";
        w.WriteLine($"public sealed class Layer{bases}");
        w.WriteLine("{");
        w.Indent++;

        // Fields.
        var perElement = PerElement(plan);
        foreach (var p in plan.KernelParameters.Where(p => !perElement.Contains(p))) w.WriteLine($"private readonly float _p_{p};");
        foreach (var c in plan.KernelConstants.Where(c => !perElement.Contains(c))) w.WriteLine($"private readonly float _c{c};");
        foreach (var e in perElement) w.WriteLine($"private readonly float[] _pe_{e}; // per element: varies with the learnable parameters");
        if (plan.Learning is { } learning)
        {
            w.WriteLine("private readonly float[] _theta;");
            w.WriteLine("private readonly float[] _thetaGrad;");
            w.WriteLine("private readonly string[] _thetaNames;");
            if (plan.Backward is not null)
                foreach (var leaf in learning.Leaves) w.WriteLine($"private readonly float[] _gpe_{leaf};");
        }
        foreach (var s in m.States) w.WriteLine($"private readonly float _c_init_{s.Name};");
        if (plan.KernelUsesDt) w.WriteLine("private readonly float _dt;");
        foreach (var s in m.States) w.WriteLine($"private readonly float[] _s_{s.Name};");
        w.WriteLine("private readonly float[] _spiked;");
        if (plan.Backward is not null) w.WriteLine("private readonly float[] _lambda; // Backward's adjoints between steps, [states, size]");
        w.WriteLine("private readonly int _size;");
        w.WriteLine();

        WriteConstructor(w, plan);
        WriteProperties(w, plan);
        WriteReset(w, plan);
        WriteStepAndRun(w, plan, ports);
        if (plan.Backward is not null) WriteTraining(w, plan, ports[0]);
        WriteKernel(w, plan, ports);
        if (plan.Backward is not null) WriteBackwardKernel(w, plan, ports[0]);

        w.Indent--;
        w.WriteLine("}");
    }

    private static void WriteConstructor(IndentedTextWriter w, KernelPlan plan)
    {
        var m = plan.Model;
        w.WriteLine($"/// <summary>Creates the population and resolves every constant that depends only on the parameters and <paramref name=\"dt\"/>.</summary>");
        w.WriteLine("/// <param name=\"model\">The parameters.</param>");
        w.WriteLine("/// <param name=\"batch\">Independent samples simulated side by side (at least 1).</param>");
        w.WriteLine("/// <param name=\"neurons\">Neurons per sample (at least 1).</param>");
        w.WriteLine("/// <param name=\"dt\">The time step in ms; defaults to the model's <c>Dt</c>.</param>");
        w.WriteLine("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A size is below 1, or the time step is not positive and finite.</exception>");
        w.WriteLine($"public Layer({m.Name} model, int batch, int neurons, float? dt = null)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(model);");
        w.WriteLine("if (batch < 1) throw new global::System.ArgumentOutOfRangeException(nameof(batch), batch, \"batch must be at least 1.\");");
        w.WriteLine("if (neurons < 1) throw new global::System.ArgumentOutOfRangeException(nameof(neurons), neurons, \"neurons must be at least 1.\");");
        w.WriteLine("float step = dt ?? model.Dt;");
        w.WriteLine("if (!(step > 0f) || float.IsPositiveInfinity(step))");
        w.WriteLine("    throw new global::System.ArgumentOutOfRangeException(nameof(dt), step, \"The time step must be a positive, finite number of milliseconds.\");");
        w.WriteLine("Model = model;");
        w.WriteLine("Batch = batch;");
        w.WriteLine("Neurons = neurons;");
        w.WriteLine("Dt = step;");
        w.WriteLine("_size = checked(batch * neurons);");
        foreach (var p in plan.KernelParameters.Where(p => !PerElement(plan).Contains(p))) w.WriteLine($"_p_{p} = {ParamRead(plan.Model.Parameters, p, "f")};");
        if (plan.KernelUsesDt) w.WriteLine("_dt = step;");
        w.WriteLine();
        w.WriteLine("// Constants, computed once in double precision.");
        w.WriteLine("{");
        w.Indent++;
        foreach (var p in m.Parameters) w.WriteLine($"double {p.Name} = {ParamRead(m.Parameters, p.Name, ".0")};");
        w.WriteLine("double Dt = step;");
        StabilityGuards.Write(w, plan);
        WriteConstantSteps(w, plan);
        WriteFiniteGuards(w, m.Name, plan.KernelConstants.Where(c => !PerElement(plan).Contains(c)), plan.Constants);
        foreach (var c in plan.KernelConstants.Where(c => !PerElement(plan).Contains(c))) w.WriteLine($"_c{c} = (float){c};");
        foreach (var init in plan.Initials) w.WriteLine($"_c{init.Name} = (float)({DoublePrinter.Print(init.Value)});");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
        foreach (var s in m.States) w.WriteLine($"_s_{s.Name} = new float[_size];");
        w.WriteLine("_spiked = new float[_size];");
        if (plan.Backward is not null) w.WriteLine($"_lambda = new float[{m.States.Count} * _size];");
        if (plan.Learning is { } learn)
        {
            foreach (var e in PerElement(plan)) w.WriteLine($"_pe_{e} = new float[_size];");
            if (plan.Backward is not null) foreach (var leaf in learn.Leaves) w.WriteLine($"_gpe_{leaf} = new float[_size];");
            string count = string.Join(" + ", learn.Parameters.Select(l => l.Shared ? "1" : "neurons"));
            w.WriteLine($"_theta = new float[{count}];");
            w.WriteLine($"_thetaGrad = new float[{count}];");
            w.WriteLine($"_thetaNames = new string[{count}];");
            w.WriteLine("int _k = 0;");
            foreach (var l in learn.Parameters)
            {
                if (l.Shared) { w.WriteLine($"_thetaNames[_k] = \"{l.Name}\";"); w.WriteLine($"_theta[_k++] = model.{l.Name};"); }
                else { w.WriteLine($"for (int _n = 0; _n < neurons; _n++) {{ _thetaNames[_k] = \"{l.Name}[\" + _n + \"]\"; _theta[_k++] = model.{l.Name}; }}"); }
            }
            w.WriteLine("ApplyParameters();");
        }
        w.WriteLine("Reset();");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }

    /// <summary>
    /// Refuses parameters that make a per-step constant infinite or NaN (a zero time constant, a
    /// division by zero), naming the constant and its formula, instead of simulating NaNs.
    /// </summary>
    internal static void WriteFiniteGuards(IndentedTextWriter w, string model, IEnumerable<string> used, IEnumerable<ConstantStep> constants)
    {
        var formulas = constants.Where(c => c.Constant is not null).ToDictionary(c => c.Constant!.Name, c => c.Constant!.Value);
        foreach (var c in used)
        {
            string formula = formulas.TryGetValue(c, out var f) ? Infix.Print(f) : "the exact propagator";
            w.WriteLine($"if (!double.IsFinite({c}))");
            w.WriteLine($"    throw new global::System.ArgumentException($\"{model}: the per-step constant {formula.Replace("\"", "'").Replace("{", "(").Replace("}", ")")} is {{{c}}} with these parameters at Dt = {{step}} ms (a zero time constant or a division by zero?).\", nameof(model));");
        }
    }

    /// <summary>The per-layer constants in double precision: hoisted formulas and exact propagators (<paramref name="driven"/>: the system has an input term b).</summary>
    internal static void WriteConstantSteps(IndentedTextWriter w, KernelPlan plan, bool driven = true)
    {
        var m = plan.Model;
        foreach (var step in plan.Constants)
        {
            if (step.Constant is { } c)
            {
                w.WriteLine($"// {c.Comment}");
                w.WriteLine($"double {c.Name} = {DoublePrinter.Print(c.Value)};");
            }
            else if (step.Propagator is { } prop)
            {
                int n = prop.States.Count;
                w.WriteLine($"// Exact propagator of the coupled linear system d[{string.Join(", ", prop.States)}]/dt = A [{string.Join(", ", prop.States)}]{(driven ? " + b" : "")}:");
                w.WriteLine("// P = exp(A Dt) and Q = integral of exp(A s) ds over [0, Dt], from one augmented matrix exponential.");
                w.WriteLine($"double[] _A = new double[{n * n}]");
                w.WriteLine("{");
                w.Indent++;
                for (int i = 0; i < n; i++)
                    w.WriteLine(string.Join(", ", Enumerable.Range(0, n).Select(j => DoublePrinter.Print(prop.A[i * n + j]))) + ",");
                w.Indent--;
                w.WriteLine("};");
                w.WriteLine($"for (int _k = 0; _k < {n * n}; _k++)");
                w.WriteLine("{");
                w.WriteLine("    if (!double.IsFinite(_A[_k]))");
                w.WriteLine($"        throw new global::System.ArgumentException($\"{m.Name}: coefficient [{{_k / {n}}}, {{_k % {n}}}] of the linear system d[{string.Join(", ", prop.States)}]/dt is {{_A[_k]}} with these parameters (a zero time constant?).\", nameof(model));");
                w.WriteLine("}");
                w.WriteLine($"double[] _P = new double[{n * n}];");
                w.WriteLine($"double[] _Q = new double[{n * n}];");
                w.WriteLine($"global::SnnDsl.Numerics.Propagator.Compute(_A, {n}, Dt, _P, _Q);");
                for (int k = 0; k < n * n; k++)
                {
                    if (prop.P[k].Length > 0) w.WriteLine($"double {prop.P[k]} = _P[{k}];");
                    if (prop.Q[k].Length > 0) w.WriteLine($"double {prop.Q[k]} = _Q[{k}];");
                }
            }
        }
    }

    private static void WriteProperties(IndentedTextWriter w, KernelPlan plan)
    {
        var m = plan.Model;
        w.WriteLine($"/// <summary>The integrator this layer uses: {plan.Integrator} ({Xml(plan.IntegratorReason)}).</summary>");
        w.WriteLine($"public static global::SnnDsl.Integrator Integrator => global::SnnDsl.Integrator.{plan.Integrator};");
        w.WriteLine();
        w.WriteLine("/// <summary>The parameters this layer was built from.</summary>");
        w.WriteLine($"public {m.Name} Model {{ get; }}");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public int Batch { get; }");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public int Neurons { get; }");
        w.WriteLine();
        w.WriteLine("/// <summary>The time step in ms this layer was built with.</summary>");
        w.WriteLine("public float Dt { get; }");
        w.WriteLine();
        foreach (var s in m.States)
        {
            w.WriteLine($"/// <summary>State <c>{s.Name}</c> of every neuron, <c>[batch, neurons]</c> row-major.</summary>");
            w.WriteLine($"public global::System.Span<float> {s.Name} => _s_{s.Name};");
            w.WriteLine();
        }
        w.WriteLine("/// <summary>The last step's spikes (0 or 1), <c>[batch, neurons]</c> row-major; read by equations as <c>Spiked</c>.</summary>");
        w.WriteLine("public global::System.Span<float> Spiked => _spiked;");
        w.WriteLine();
    }

    private static void WriteReset(IndentedTextWriter w, KernelPlan plan)
    {
        w.WriteLine("/// <summary>Sets every state to its initial value and clears <see cref=\"Spiked\"/>.</summary>");
        w.WriteLine("public void Reset()");
        w.WriteLine("{");
        w.Indent++;
        foreach (var s in plan.Model.States) w.WriteLine($"global::System.Array.Fill(_s_{s.Name}, _c_init_{s.Name});");
        w.WriteLine("global::System.Array.Clear(_spiked);");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }

    private static void WriteStepAndRun(IndentedTextWriter w, KernelPlan plan, List<string> ports)
    {
        string portParams = string.Concat(ports.Select(p => $"global::System.ReadOnlySpan<float> {p}, "));
        string portArgs = string.Concat(ports.Select(p => p + ", "));

        w.WriteLine("/// <summary>Advances every neuron by one time step.</summary>");
        foreach (var p in ports) w.WriteLine($"/// <param name=\"{p}\">Input port <c>{p}</c>, <c>[batch, neurons]</c>.</param>");
        w.WriteLine("/// <param name=\"spikes\">Receives this step's spikes (0 or 1), <c>[batch, neurons]</c>.</param>");
        w.WriteLine("/// <exception cref=\"global::System.ArgumentException\">A span does not hold batch * neurons values.</exception>");
        w.WriteLine($"public void Step({portParams}global::System.Span<float> spikes)");
        w.WriteLine("{");
        w.Indent++;
        foreach (var p in ports) WriteLengthCheck(w, p, "1");
        WriteLengthCheck(w, "spikes", "1");
        w.WriteLine($"RunCore(1, {portArgs}spikes, null);");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();

        w.WriteLine("/// <summary>Advances every neuron by <paramref name=\"steps\"/> time steps, keeping the state in registers across time.</summary>");
        w.WriteLine("/// <param name=\"steps\">The number of steps T.</param>");
        foreach (var p in ports) w.WriteLine($"/// <param name=\"{p}\">Input port <c>{p}</c>, <c>[T, batch, neurons]</c>.</param>");
        w.WriteLine("/// <param name=\"spikes\">Receives the spikes (0 or 1), <c>[T, batch, neurons]</c>.</param>");
        w.WriteLine("/// <exception cref=\"global::System.ArgumentException\">A span does not hold T * batch * neurons values.</exception>");
        w.WriteLine($"public void Run(int steps, {portParams}global::System.Span<float> spikes)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("if (steps < 0) throw new global::System.ArgumentOutOfRangeException(nameof(steps), steps, \"steps must not be negative.\");");
        foreach (var p in ports) WriteLengthCheck(w, p, "steps");
        WriteLengthCheck(w, "spikes", "steps");
        w.WriteLine($"RunCore(steps, {portArgs}spikes, null);");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }

    private static void WriteLengthCheck(IndentedTextWriter w, string span, string steps)
    {
        if (steps == "1")
        {
            w.WriteLine($"if ({span}.Length != _size)");
            w.WriteLine($"    throw new global::System.ArgumentException($\"{span} must hold [batch, neurons] = [{{Batch}}, {{Neurons}}] = {{_size}} values, but holds {{{span}.Length}}.\", nameof({span}));");
        }
        else
        {
            w.WriteLine($"if ({span}.Length != (long)steps * _size)");
            w.WriteLine($"    throw new global::System.ArgumentException($\"{span} must hold [steps, batch, neurons] = [{{steps}}, {{Batch}}, {{Neurons}}] = {{(long)steps * _size}} values, but holds {{{span}.Length}}.\", nameof({span}));");
        }
    }

    private static void WriteKernel(IndentedTextWriter w, KernelPlan plan, List<string> ports)
    {
        var m = plan.Model;
        string portParams = string.Concat(ports.Select(p => $"global::System.ReadOnlySpan<float> _x_{p}, "));
        w.WriteLine("// The kernel: each block of neurons is loaded once, advanced through every step, and stored once.");
        w.WriteLine("// The SIMD body and the scalar tail are the same statements over Vector<float> and float locals;");
        w.WriteLine("// SnnMath gives both the same operations, so a neuron's result does not depend on its position.");
        w.WriteLine("// With a tape buffer, the pre-reset state of every step is recorded for Backward ([steps, states, size]).");
        w.WriteLine($"private void RunCore(int _steps, {portParams}global::System.Span<float> _spikes, float[]? _pre)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("int _n = _size;");
        w.WriteLine("int _i = 0;");
        foreach (var s in m.States) w.WriteLine($"ref float _r_{s.Name} = ref {Marshal}.GetArrayDataReference(_s_{s.Name});");
        w.WriteLine($"ref float _r_Spiked = ref {Marshal}.GetArrayDataReference(_spiked);");
        foreach (var p in ports) w.WriteLine($"ref float _r_in_{p} = ref {Marshal}.GetReference(_x_{p});");
        w.WriteLine($"ref float _r_spikes = ref {Marshal}.GetReference(_spikes);");
        foreach (var e in PerElement(plan)) w.WriteLine($"ref float _r_pe_{e} = ref {Marshal}.GetArrayDataReference(_pe_{e});");
        w.WriteLine("bool _record = _pre is not null;");
        w.WriteLine($"ref float _r_pre = ref _record ? ref {Marshal}.GetArrayDataReference(_pre!) : ref {Unsafe}.NullRef<float>();");
        w.WriteLine();

        WriteBlock(w, plan, ports, vector: true);
        w.WriteLine();
        WriteBlock(w, plan, ports, vector: false);
        w.Indent--;
        w.WriteLine("}");
    }

    /// <summary>Neurons per block of the SIMD body: each step reads a contiguous slice of this many inputs, and the block's state stays in L1 between steps.</summary>
    private const int BlockSize = 1024;

    /// <summary>Steps a vector of neurons advances with its state in registers before the block moves on (forward kernel).</summary>
    private const int TimeTile = 4;

    private static void WriteBlock(IndentedTextWriter w, KernelPlan plan, List<string> ports, bool vector)
    {
        var m = plan.Model;
        string Broadcast(string scalar) => vector ? $"new {Vec}({scalar})" : scalar;
        string Load(string r, string offset) => vector ? $"{VecStatic}.LoadUnsafe(ref {r}, {offset})" : $"{Unsafe}.Add(ref {r}, {offset})";
        string Store(string value, string r, string offset) => vector ? $"{VecStatic}.StoreUnsafe({value}, ref {r}, {offset});" : $"{Unsafe}.Add(ref {r}, {offset}) = {value};";

        w.WriteLine(vector
            ? $"// SIMD body: blocks of {BlockSize} neurons walk through time together, Vector<float>.Count at a time;"
            : "// Scalar tail: the remaining neurons, same statements, each kept in registers across time.");
        if (vector) w.WriteLine($"// each vector keeps its state in registers for {TimeTile} steps (reading {TimeTile} contiguous input streams), and the block's state stays in L1 between tiles.");
        w.WriteLine("{");
        w.Indent++;
        var names = Used(plan.Body.Select(b => b.Value).Concat(plan.Commit.Select(c => c.Value)).Append(plan.Spike).Concat(plan.Resets.Select(r => r.Value)));
        WriteConstants(w, plan, names, Broadcast);
        var perElementNames = PerElement(plan).Where(names.Contains).ToList();

        void LoadState(string idx)
        {
            foreach (var s in m.States) w.WriteLine($"var {s.Name} = {Load("_r_" + s.Name, $"(nuint){idx}")};");
            w.WriteLine($"var Spiked = {Load("_r_Spiked", $"(nuint){idx}")};");
            foreach (var e in perElementNames) w.WriteLine($"var {e} = {Load("_r_pe_" + e, $"(nuint){idx}")};");
        }

        void StoreState(string idx)
        {
            foreach (var s in m.States) w.WriteLine(Store(s.Name, "_r_" + s.Name, $"(nuint){idx}"));
            w.WriteLine(Store("Spiked", "_r_Spiked", $"(nuint){idx}"));
        }

        void Step(string idx)
        {
            w.WriteLine($"nuint _o = (nuint)((long)_t * _n + {idx});");
            foreach (var p in ports) w.WriteLine($"var {p} = {Load("_r_in_" + p, "_o")};");
            w.WriteLine();
            w.WriteLine("// Integrate.");
            foreach (var s in plan.Body)
            {
                if (s.Comment.Length > 0) w.WriteLine("// " + s.Comment);
                w.WriteLine($"var {s.Name} = {KernelPrinter.Print(s.Value)};");
            }
            foreach (var c in plan.Commit) w.WriteLine($"{c.Name} = {KernelPrinter.Print(c.Value)};");
            w.WriteLine("if (_record)");
            w.WriteLine("{");
            w.Indent++;
            for (int k = 0; k < m.States.Count; k++)
                w.WriteLine(Store(m.States[k].Name, "_r_pre", $"(nuint)(((long)_t * {m.States.Count} + {k}) * _n + {idx})"));
            w.Indent--;
            w.WriteLine("}");
            w.WriteLine();
            w.WriteLine($"// Fire: {m.Spike!.Condition}.");
            w.WriteLine($"var _spike = {KernelPrinter.Print(plan.Spike)};");
            if (plan.Resets.Count > 0)
            {
                w.WriteLine();
                w.WriteLine("// Reset the neurons that fired.");
                foreach (var r in plan.Resets)
                    w.WriteLine($"{r.State} = {KernelPrinter.Math}.Select(_spike, {KernelPrinter.Print(r.Value)}, {r.State});");
            }
            w.WriteLine($"Spiked = {KernelPrinter.Math}.ToFloat(_spike);");
            w.WriteLine(Store("Spiked", "_r_spikes", "_o"));
        }

        if (vector)
        {
            w.WriteLine($"int _vecEnd = _n - _n % {Vec}.Count;");
            w.WriteLine($"for (int _blk0 = 0; _blk0 < _vecEnd; _blk0 += {BlockSize})");
            w.WriteLine("{");
            w.Indent++;
            w.WriteLine($"int _blk1 = global::System.Math.Min(_blk0 + {BlockSize}, _vecEnd);");
            w.WriteLine($"for (int _t0 = 0; _t0 < _steps; _t0 += {TimeTile})");
            w.WriteLine("{");
            w.Indent++;
            w.WriteLine($"int _t1 = global::System.Math.Min(_t0 + {TimeTile}, _steps);");
            w.WriteLine($"for (int _j = _blk0; _j < _blk1; _j += {Vec}.Count)");
            w.WriteLine("{");
            w.Indent++;
            LoadState("_j");
            w.WriteLine("for (int _t = _t0; _t < _t1; _t++)");
            w.WriteLine("{");
            w.Indent++;
            Step("_j");
            w.Indent--;
            w.WriteLine("}");
            StoreState("_j");
            w.Indent--;
            w.WriteLine("}");
            w.Indent--;
            w.WriteLine("}");
            w.Indent--;
            w.WriteLine("}");
            w.WriteLine("_i = _vecEnd;");
        }
        else
        {
            w.WriteLine("for (; _i < _n; _i++)");
            w.WriteLine("{");
            w.Indent++;
            LoadState("_i");
            w.WriteLine("for (int _t = 0; _t < _steps; _t++)");
            w.WriteLine("{");
            w.Indent++;
            Step("_i");
            w.Indent--;
            w.WriteLine("}");
            StoreState("_i");
            w.Indent--;
            w.WriteLine("}");
        }
        w.Indent--;
        w.WriteLine("}");
    }

    internal static HashSet<string> Used(IEnumerable<Expr> expressions)
    {
        var set = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var e in expressions)
            foreach (var sym in SnnDsl.Model.Symbolic.Algebra.Symbols(e)) set.Add(sym.Name);
        return set;
    }

    private static HashSet<string> PerElement(KernelPlan plan) =>
        new(plan.Learning?.PerElement ?? EquatableArray<string>.Empty, System.StringComparer.Ordinal);

    private static void WriteConstants(IndentedTextWriter w, KernelPlan plan, HashSet<string> names, System.Func<string, string> broadcast)
    {
        var perElement = PerElement(plan);
        foreach (var p in plan.KernelParameters.Where(p => names.Contains(p) && !perElement.Contains(p))) w.WriteLine($"var {p} = {broadcast("_p_" + p)};");
        foreach (var c in plan.KernelConstants.Where(c => names.Contains(c) && !perElement.Contains(c))) w.WriteLine($"var {c} = {broadcast("_c" + c)};");
        if (names.Contains("Dt")) w.WriteLine($"var Dt = {broadcast("_dt")};");
        foreach (var l in plan.Literals.Where(l => names.Contains(l.Name))) w.WriteLine($"var {l.Name} = {broadcast(FloatLiteral(l.Value))};");
    }

    private static void WriteTraining(IndentedTextWriter w, KernelPlan plan, string port)
    {
        var m = plan.Model;
        int n = m.States.Count;
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine($"public int StateCount => {n};");
        w.WriteLine();
        w.WriteLine($"/// <summary>The tape keeps the pre-reset state: {4 * n} bytes per neuron and step (spikes are read from the forward output).</summary>");
        w.WriteLine($"public int TapeBytesPerNeuronStep => {4 * n};");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine($"public global::SnnDsl.Training.NeuronTape CreateTape(int maxSteps) => new global::SnnDsl.Training.NeuronTape(maxSteps, {n}, _size);");
        w.WriteLine();
        w.WriteLine("/// <summary>Advances the layer like <see cref=\"Run\"/> and records what <c>Backward</c> needs.</summary>");
        w.WriteLine($"/// <param name=\"steps\">The number of steps T (at most the tape's MaxSteps).</param>");
        w.WriteLine($"/// <param name=\"{port}\">Input port <c>{port}</c>, <c>[T, batch, neurons]</c>.</param>");
        w.WriteLine("/// <param name=\"spikes\">Receives the spikes, <c>[T, batch, neurons]</c>; keep them for <c>Backward</c>.</param>");
        w.WriteLine("/// <param name=\"tape\">A tape from <see cref=\"CreateTape\"/>.</param>");
        w.WriteLine($"public void Forward(int steps, global::System.ReadOnlySpan<float> {port}, global::System.Span<float> spikes, global::SnnDsl.Training.NeuronTape tape)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(tape);");
        WriteTapeCheck(w, n);
        w.WriteLine("if (steps < 0 || steps > tape.MaxSteps) throw new global::System.ArgumentOutOfRangeException(nameof(steps), steps, $\"steps must be between 0 and the tape's MaxSteps ({tape.MaxSteps}).\");");
        WriteLengthCheck(w, port, "steps");
        WriteLengthCheck(w, "spikes", "steps");
        for (int k = 0; k < n; k++) w.WriteLine($"global::System.Array.Copy(_s_{m.States[k].Name}, 0, tape.Start, {k} * _size, _size);");
        w.WriteLine("global::System.Array.Copy(_spiked, tape.StartSpiked, _size);");
        w.WriteLine("tape.BeginRecording(this, steps);");
        w.WriteLine($"RunCore(steps, {port}, spikes, tape.Pre);");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
        w.WriteLine("/// <summary>");
        w.WriteLine($"/// Backpropagation through time over the recorded window, surrogate {Xml(plan.Backward!.Surrogate)}; the reset is {(m.DetachReset ? "detached (no gradient through the reset, as snnTorch)" : "differentiated through the surrogate")}");
        w.WriteLine("/// and <c>Spiked</c> carries no gradient. Derived from the same statements as the forward step.");
        w.WriteLine("/// </summary>");
        w.WriteLine("/// <param name=\"tape\">The tape of this layer's last <see cref=\"Forward\"/> (a tape recorded by another layer is refused).</param>");
        w.WriteLine($"/// <param name=\"{port}\">The input of that forward pass, <c>[T, batch, neurons]</c>.</param>");
        w.WriteLine("/// <param name=\"spikes\">The spikes of that forward pass, <c>[T, batch, neurons]</c>.</param>");
        w.WriteLine("/// <param name=\"gradSpikes\">dL/dspikes, <c>[T, batch, neurons]</c>.</param>");
        w.WriteLine($"/// <param name=\"gradFirstState\">dL/d(pre-reset <c>{m.States[0].Name}</c>), <c>[T, batch, neurons]</c>, or empty.</param>");
        w.WriteLine($"/// <param name=\"gradInput\">Receives dL/d{port}, <c>[T, batch, neurons]</c>.</param>");
        w.WriteLine($"public void Backward(global::SnnDsl.Training.NeuronTape tape, global::System.ReadOnlySpan<float> {port}, global::System.ReadOnlySpan<float> spikes, global::System.ReadOnlySpan<float> gradSpikes, global::System.ReadOnlySpan<float> gradFirstState, global::System.Span<float> gradInput)");
        w.WriteLine($"    => Backward(tape, {port}, spikes, gradSpikes, gradFirstState, global::System.ReadOnlySpan<float>.Empty, gradInput, global::System.Span<float>.Empty);");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine($"public void Backward(global::SnnDsl.Training.NeuronTape tape, global::System.ReadOnlySpan<float> {port}, global::System.ReadOnlySpan<float> spikes, global::System.ReadOnlySpan<float> gradSpikes, global::System.ReadOnlySpan<float> gradFirstState, global::System.ReadOnlySpan<float> gradEndState, global::System.Span<float> gradInput, global::System.Span<float> gradStartState)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(tape);");
        WriteTapeCheck(w, n);
        w.WriteLine("if (!global::System.Object.ReferenceEquals(tape.RecordedBy, this))");
        w.WriteLine("    throw new global::System.ArgumentException(tape.RecordedBy is null");
        w.WriteLine("        ? \"tape holds no recording: no Forward has recorded it; pass the tape of this layer's last Forward.\"");
        w.WriteLine("        : \"tape was recorded by another layer; pass the tape of this layer's last Forward.\", nameof(tape));");
        w.WriteLine("int steps = tape.Steps;");
        w.WriteLine("// BackwardCore reads the tape and the spans for that many steps without bounds checks: all are checked here.");
        w.WriteLine("if (steps < 0 || steps > tape.MaxSteps)");
        w.WriteLine("    throw new global::System.ArgumentException($\"tape.Steps ({steps}) is outside the tape's 0..{tape.MaxSteps} steps.\", nameof(tape));");
        WriteLengthCheck(w, port, "steps");
        WriteLengthCheck(w, "spikes", "steps");
        WriteLengthCheck(w, "gradSpikes", "steps");
        WriteLengthCheck(w, "gradInput", "steps");
        w.WriteLine("if (!gradFirstState.IsEmpty && gradFirstState.Length != (long)steps * _size)");
        w.WriteLine("    throw new global::System.ArgumentException($\"gradFirstState must be empty or hold [steps, batch, neurons] = [{steps}, {Batch}, {Neurons}] = {(long)steps * _size} values, but holds {gradFirstState.Length}.\", nameof(gradFirstState));");
        foreach (var name in new[] { "gradEndState", "gradStartState" })
        {
            w.WriteLine($"if (!{name}.IsEmpty && {name}.Length != {n} * _size)");
            w.WriteLine($"    throw new global::System.ArgumentException($\"{name} must be empty or hold [states, batch, neurons] = [{n}, {{Batch}}, {{Neurons}}] = {{{n} * _size}} values, but holds {{{name}.Length}}.\", nameof({name}));");
        }
        w.WriteLine($"BackwardCore(steps, tape, {port}, spikes, gradSpikes, gradFirstState, gradEndState, gradInput, gradStartState);");
        if (plan.Learning is not null) w.WriteLine("ReduceParameterGradients();");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
        if (plan.Learning is not null) WriteLearning(w, plan);
    }

    private static void WritePerNeuronParameters(IndentedTextWriter w, KernelPlan plan)
    {
        var learn = plan.Learning!;
        int offset = 0;
        var offsets = new List<string>();
        foreach (var p in plan.Model.Parameters)
        {
            var l = learn.Parameters.FirstOrDefault(x => x.Name == p.Name);
            if (l is null) { w.WriteLine($"double {p.Name} = {ParamRead(plan.Model.Parameters, p.Name, ".0")};"); continue; }
            string index = string.Join(" + ", offsets.Append(offset.ToString(CultureInfo.InvariantCulture)));
            w.WriteLine($"double {p.Name} = _theta[{index}{(l.Shared ? "" : " + _nn")}];");
            if (l.Shared) offset++; else offsets.Add("Neurons");
        }
        w.WriteLine("double Dt = step;");
    }

    private static string ThetaIndex(KernelPlan plan, string name)
    {
        var learn = plan.Learning!;
        int offset = 0;
        var offsets = new List<string>();
        foreach (var l in learn.Parameters)
        {
            string index = string.Join(" + ", offsets.Append(offset.ToString(CultureInfo.InvariantCulture)));
            if (l.Name == name) return index + (l.Shared ? "" : " + _nn");
            if (l.Shared) offset++; else offsets.Add("Neurons");
        }
        throw new System.InvalidOperationException(name);
    }

    private static void WriteLearning(IndentedTextWriter w, KernelPlan plan)
    {
        var m = plan.Model;
        var learn = plan.Learning!;
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public global::System.Span<float> Parameters => _theta;");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public global::System.Span<float> ParameterGradients => _thetaGrad;");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public global::System.Collections.Generic.IReadOnlyList<string> ParameterNames => _thetaNames;");
        w.WriteLine();
        w.WriteLine("/// <summary>");
        w.WriteLine("/// Recomputes, per neuron, the constants that depend on the learnable parameters, after running on them the");
        w.WriteLine("/// guards the constructor runs (finite values, SNN1001 time constants, SNN1002 integrator stability).");
        w.WriteLine("/// </summary>");
        w.WriteLine("/// <exception cref=\"global::System.InvalidOperationException\">A learnable parameter is out of range, typically after an optimizer step");
        w.WriteLine("/// (the message names the model, the parameter and the neuron; the guard's exception is the inner exception).</exception>");
        w.WriteLine("public void ApplyParameters()");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine($"{m.Name} model = Model;");
        w.WriteLine("float step = Dt;");
        w.WriteLine("for (int _nn = 0; _nn < Neurons; _nn++)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("// A guard refusing a learned value (typically after an optimizer step) is rethrown naming the neuron and the likely cause.");
        w.WriteLine("try");
        w.WriteLine("{");
        w.Indent++;
        WritePerNeuronParameters(w, plan);
        StabilityGuards.Write(w, plan, learn.Parameters.Select(l => l.Name).ToList());
        WriteConstantSteps(w, plan);
        var per = learn.PerElement.ToList();
        WriteFiniteGuards(w, m.Name, per.Where(e => !learn.Parameters.Any(l => l.Name == e)), plan.Constants);
        w.WriteLine("for (int _b = 0; _b < Batch; _b++)");
        w.WriteLine("{");
        w.Indent++;
        foreach (var e in per) w.WriteLine($"_pe_{e}[_b * Neurons + _nn] = (float){e};");
        w.Indent--;
        w.WriteLine("}");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine("catch (global::System.ArgumentException _refused)");
        w.WriteLine("{");
        w.WriteLine($"    throw global::SnnDsl.Numerics.StabilityGuard.LearnedParameterOutOfRange(\"{m.Name}\", _nn, _refused);");
        w.WriteLine("}");
        w.Indent--;
        w.WriteLine("}");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
        if (plan.Backward is null) return;
        w.WriteLine("// dL/dparameter = sum over batch (and neurons, when shared) of sum_leaf dL/dleaf * dleaf/dparameter.");
        w.WriteLine("private void ReduceParameterGradients()");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine($"{m.Name} model = Model;");
        w.WriteLine("float step = Dt;");
        w.WriteLine("for (int _nn = 0; _nn < Neurons; _nn++)");
        w.WriteLine("{");
        w.Indent++;
        WritePerNeuronParameters(w, plan);
        WriteConstantSteps(w, plan);
        foreach (var leaf in learn.Leaves)
        {
            w.WriteLine($"double _sum_{leaf} = 0;");
            w.WriteLine($"for (int _b = 0; _b < Batch; _b++) _sum_{leaf} += _gpe_{leaf}[_b * Neurons + _nn];");
        }
        foreach (var l in learn.Parameters)
        {
            var terms = learn.Derivatives.Where(d => d.Parameter == l.Name).Select(d => $"_sum_{d.Leaf} * ({DoublePrinter.Print(d.Value)})").ToList();
            if (terms.Count == 0) continue;
            w.WriteLine($"_thetaGrad[{ThetaIndex(plan, l.Name)}] += (float)({string.Join(" + ", terms)});");
        }
        w.Indent--;
        w.WriteLine("}");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }

    private static void WriteTapeCheck(IndentedTextWriter w, int states)
    {
        w.WriteLine($"if (tape.States != {states} || tape.Size != _size)");
        w.WriteLine($"    throw new global::System.ArgumentException($\"tape was made for {{tape.States}} states x {{tape.Size}} neurons; this layer needs {states} x {{_size}} (use CreateTape).\", nameof(tape));");
    }

    private static void WriteBackwardKernel(IndentedTextWriter w, KernelPlan plan, string port)
    {
        w.WriteLine();
        w.WriteLine("// The backward kernel: each block of neurons walks the window in reverse time with its adjoints in registers.");
        w.WriteLine("private void BackwardCore(int _steps, global::SnnDsl.Training.NeuronTape _tape, global::System.ReadOnlySpan<float> _x_in, global::System.ReadOnlySpan<float> _x_spk, global::System.ReadOnlySpan<float> _x_gs, global::System.ReadOnlySpan<float> _x_gv, global::System.ReadOnlySpan<float> _x_ge, global::System.Span<float> _x_gin, global::System.Span<float> _x_gstart)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("int _n = _size;");
        w.WriteLine("int _i = 0;");
        w.WriteLine("bool _hasGv = !_x_gv.IsEmpty;");
        w.WriteLine("bool _hasGe = !_x_ge.IsEmpty;");
        w.WriteLine("bool _hasGstart = !_x_gstart.IsEmpty;");
        w.WriteLine($"ref float _r_ge = ref _hasGe ? ref {Marshal}.GetReference(_x_ge) : ref {Unsafe}.NullRef<float>();");
        w.WriteLine($"ref float _r_gstart = ref _hasGstart ? ref {Marshal}.GetReference(_x_gstart) : ref {Unsafe}.NullRef<float>();");
        w.WriteLine($"ref float _r_pre = ref {Marshal}.GetArrayDataReference(_tape.Pre);");
        w.WriteLine($"ref float _r_start = ref {Marshal}.GetArrayDataReference(_tape.Start);");
        w.WriteLine($"ref float _r_startSpiked = ref {Marshal}.GetArrayDataReference(_tape.StartSpiked);");
        w.WriteLine($"ref float _r_in = ref {Marshal}.GetReference(_x_in);");
        w.WriteLine($"ref float _r_spk = ref {Marshal}.GetReference(_x_spk);");
        w.WriteLine($"ref float _r_gs = ref {Marshal}.GetReference(_x_gs);");
        w.WriteLine($"ref float _r_gv = ref _hasGv ? ref {Marshal}.GetReference(_x_gv) : ref {Unsafe}.NullRef<float>();");
        w.WriteLine($"ref float _r_gin = ref {Marshal}.GetReference(_x_gin);");
        foreach (var e in PerElement(plan)) w.WriteLine($"ref float _r_pe_{e} = ref {Marshal}.GetArrayDataReference(_pe_{e});");
        if (plan.Learning is { } learn)
            foreach (var leaf in learn.Leaves) w.WriteLine($"ref float _r_gpe_{leaf} = ref {Marshal}.GetArrayDataReference(_gpe_{leaf});");
        w.WriteLine();
        WriteBackwardBlock(w, plan, port, vector: true);
        w.WriteLine();
        WriteBackwardBlock(w, plan, port, vector: false);
        w.Indent--;
        w.WriteLine("}");
    }

    private static void WriteBackwardBlock(IndentedTextWriter w, KernelPlan plan, string port, bool vector)
    {
        var m = plan.Model;
        int n = m.States.Count;
        string Broadcast(string scalar) => vector ? $"new {Vec}({scalar})" : scalar;
        string Load(string r, string offset) => vector ? $"{VecStatic}.LoadUnsafe(ref {r}, {offset})" : $"{Unsafe}.Add(ref {r}, {offset})";
        string Store(string value, string r, string offset) => vector ? $"{VecStatic}.StoreUnsafe({value}, ref {r}, {offset});" : $"{Unsafe}.Add(ref {r}, {offset}) = {value};";
        string zero = vector ? Vec + ".Zero" : "0f";
        var statements = plan.Backward!.Statements;

        w.WriteLine(vector
            ? $"// SIMD body: blocks of {BlockSize} neurons walk back through time together; their adjoints wait in _lambda (L1) between steps."
            : "// Scalar tail, same statements, adjoints in registers.");
        w.WriteLine("{");
        w.Indent++;
        var names = Used(statements.Select(st => st.Value));
        WriteConstants(w, plan, names, Broadcast);
        var leaves = plan.Learning?.Leaves.ToList() ?? new List<string>();
        var perElement = PerElement(plan).Where(names.Contains).ToList();

        void StepBody(string idx)
        {
            w.WriteLine($"nuint _o = (nuint)((long)_t * _n + {idx});");
            for (int k = 0; k < n; k++)
            {
                string s = m.States[k].Name;
                w.WriteLine($"var _pre_{s} = {Load("_r_pre", $"(nuint)(((long)_t * {n} + {k}) * _n + {idx})")};");
                w.WriteLine($"var _ppre_{s} = _t > 0 ? {Load("_r_pre", $"(nuint)(((long)(_t - 1) * {n} + {k}) * _n + {idx})")} : {Load("_r_start", $"(nuint)((long){k} * _n + {idx})")};");
            }
            w.WriteLine($"var _pfire = _t > 0 ? {Load("_r_spk", "_o - (nuint)_n")} : {zero};");
            w.WriteLine($"var Spiked = _t > 0 ? _pfire : {Load("_r_startSpiked", $"(nuint){idx}")};");
            w.WriteLine($"var _s = {Load("_r_spk", "_o")};");
            w.WriteLine($"var {port} = {Load("_r_in", "_o")};");
            w.WriteLine($"var _gs = {Load("_r_gs", "_o")};");
            w.WriteLine($"var _gv = _hasGv ? {Load("_r_gv", "_o")} : {zero};");
            foreach (var st in statements)
            {
                if (st.Comment.Length > 0) w.WriteLine("// " + st.Comment);
                w.WriteLine($"var {st.Name} = {KernelPrinter.Print(st.Value)};");
            }
            w.WriteLine(Store("_gin", "_r_gin", "_o"));
        }

        if (vector)
        {
            w.WriteLine($"ref float _r_lambda = ref {Marshal}.GetArrayDataReference(_lambda);");
            w.WriteLine($"int _vecEnd = _n - _n % {Vec}.Count;");
            w.WriteLine($"for (int _blk0 = 0; _blk0 < _vecEnd; _blk0 += {BlockSize})");
            w.WriteLine("{");
            w.Indent++;
            w.WriteLine($"int _blk1 = global::System.Math.Min(_blk0 + {BlockSize}, _vecEnd);");
            w.WriteLine($"for (int _j = _blk0; _j < _blk1; _j += {Vec}.Count)");
            w.WriteLine("{");
            w.Indent++;
            for (int k = 0; k < n; k++)
                w.WriteLine(Store($"(_hasGe ? {Load("_r_ge", $"(nuint)((long){k} * _n + _j)")} : {zero})", "_r_lambda", $"(nuint)((long){k} * _n + _j)"));
            foreach (var leaf in leaves) w.WriteLine(Store(zero, "_r_gpe_" + leaf, "(nuint)_j"));
            w.Indent--;
            w.WriteLine("}");
            w.WriteLine("for (int _t = _steps - 1; _t >= 0; _t--)");
            w.WriteLine("{");
            w.Indent++;
            w.WriteLine($"for (int _j = _blk0; _j < _blk1; _j += {Vec}.Count)");
            w.WriteLine("{");
            w.Indent++;
            for (int k = 0; k < n; k++)
                w.WriteLine($"var _lam_{m.States[k].Name} = {Load("_r_lambda", $"(nuint)((long){k} * _n + _j)")};");
            foreach (var e in perElement) w.WriteLine($"var {e} = {Load("_r_pe_" + e, "(nuint)_j")};");
            StepBody("_j");
            for (int k = 0; k < n; k++)
                w.WriteLine(Store($"_nlam_{m.States[k].Name}", "_r_lambda", $"(nuint)((long){k} * _n + _j)"));
            foreach (var leaf in leaves)
                w.WriteLine(Store($"{Load("_r_gpe_" + leaf, "(nuint)_j")} + _dleaf_{leaf}", "_r_gpe_" + leaf, "(nuint)_j"));
            w.Indent--;
            w.WriteLine("}");
            w.Indent--;
            w.WriteLine("}");
            w.WriteLine("if (_hasGstart)");
            w.WriteLine("{");
            w.Indent++;
            w.WriteLine($"for (int _j = _blk0; _j < _blk1; _j += {Vec}.Count)");
            w.WriteLine("{");
            w.Indent++;
            for (int k = 0; k < n; k++)
                w.WriteLine(Store(Load("_r_lambda", $"(nuint)((long){k} * _n + _j)"), "_r_gstart", $"(nuint)((long){k} * _n + _j)"));
            w.Indent--;
            w.WriteLine("}");
            w.Indent--;
            w.WriteLine("}");
            w.Indent--;
            w.WriteLine("}");
            w.WriteLine("_i = _vecEnd;");
        }
        else
        {
            w.WriteLine("for (; _i < _n; _i++)");
            w.WriteLine("{");
            w.Indent++;
            for (int k = 0; k < n; k++)
                w.WriteLine($"var _lam_{m.States[k].Name} = _hasGe ? {Load("_r_ge", $"(nuint)((long){k} * _n + _i)")} : {zero};");
            foreach (var e in perElement) w.WriteLine($"var {e} = {Load("_r_pe_" + e, "(nuint)_i")};");
            foreach (var leaf in leaves) w.WriteLine($"var _acc_{leaf} = {zero};");
            w.WriteLine("for (int _t = _steps - 1; _t >= 0; _t--)");
            w.WriteLine("{");
            w.Indent++;
            StepBody("_i");
            foreach (var s in m.States) w.WriteLine($"_lam_{s.Name} = _nlam_{s.Name};");
            foreach (var leaf in leaves) w.WriteLine($"_acc_{leaf} += _dleaf_{leaf};");
            w.Indent--;
            w.WriteLine("}");
            foreach (var leaf in leaves) w.WriteLine(Store($"_acc_{leaf}", "_r_gpe_" + leaf, "(nuint)_i"));
            w.WriteLine("if (_hasGstart)");
            w.WriteLine("{");
            w.Indent++;
            for (int k = 0; k < n; k++) w.WriteLine(Store($"_lam_{m.States[k].Name}", "_r_gstart", $"(nuint)((long){k} * _n + _i)"));
            w.Indent--;
            w.WriteLine("}");
            w.Indent--;
            w.WriteLine("}");
        }
        w.Indent--;
        w.WriteLine("}");
    }
}
