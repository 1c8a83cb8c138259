using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using SnnDsl.Model.Ir;

namespace SnnDsl.Generators;

/// <summary>Prints an <see cref="EncoderPlan"/> as the C# of the encoder's partial record and its <c>Layer</c> type.</summary>
internal static class EncoderEmitter
{
    private const string GeneratedCode = Emitter.GeneratedCode;
    private const string Vec = Emitter.Vec;
    private const string VecStatic = Emitter.VecStatic;
    private const string Unsafe = Emitter.Unsafe;
    private const string Marshal = Emitter.Marshal;
    private const string Random = "global::SnnDsl.Kernels.SnnRandom";
    private const string Fan = "global::SnnDsl.Kernels.EncoderKernels";

    public static string HintName(string fullName) => fullName + ".Encoder.g.cs";

    /// <summary>The built-ins an encoder record reads in its equations; when used as a scalar reference, set them before calling the equations.</summary>
    public static void WriteBuiltIns(IndentedTextWriter w, double dt, bool fanOut)
    {
        w.WriteLine("/// <summary>The time step in ms: the <c>[Encoder(Dt = ...)]</c> value, or 1 ms when absent.</summary>");
        w.WriteLine(GeneratedCode);
        w.WriteLine($"public float Dt {{ get; init; }} = {Emitter.FloatLiteral(dt)};");
        w.WriteLine();
        w.WriteLine("/// <summary>The step index t (0-based) the equations are evaluated at.</summary>");
        w.WriteLine(GeneratedCode);
        w.WriteLine("public float Time { get; set; }");
        w.WriteLine();
        w.WriteLine("/// <summary>The number of steps T of the encoding.</summary>");
        w.WriteLine(GeneratedCode);
        w.WriteLine("public float Steps { get; set; }");
        if (fanOut)
        {
            w.WriteLine();
            w.WriteLine("/// <summary>The output channel within the input's population (0-based).</summary>");
            w.WriteLine(GeneratedCode);
            w.WriteLine("public float Index { get; set; }");
        }
    }

    public static string EmitBuiltInsOnly(string ns, IReadOnlyList<ContainingType> containing, string name, double dt, bool fanOut) =>
        GeneratedFile.Write([], ns, containing, mathAlias: false, w =>
        {
            w.WriteLine($"// The [Encoder] declaration of {name} has errors (see the SnnDsl diagnostics); only the built-ins are generated.");
            w.WriteLine($"partial record {name}");
            w.WriteLine("{");
            w.Indent++;
            WriteBuiltIns(w, dt, fanOut);
            w.Indent--;
            w.WriteLine("}");
        });

    public static string Emit(EncoderPlan plan)
    {
        var m = plan.Model;
        return GeneratedFile.Write([], m.Namespace, m.ContainingTypes, mathAlias: true, w =>
        {
            w.WriteLine($"partial record {m.Name}");
            w.WriteLine("{");
            w.Indent++;
            WriteBuiltIns(w, m.Dt, m.FanOut is not null);
            w.WriteLine();
            w.WriteLine($"/// <summary>Creates an encoder for <paramref name=\"batch\"/> samples of <paramref name=\"features\"/> values with these parameters.</summary>");
            w.WriteLine("/// <param name=\"batch\">Samples per call.</param>");
            w.WriteLine("/// <param name=\"features\">Input values per sample.</param>");
            w.WriteLine("/// <param name=\"seed\">Seed of the <c>[Uniform]</c> draws.</param>");
            w.WriteLine("/// <param name=\"dt\">The time step in ms; defaults to <see cref=\"Dt\"/>.</param>");
            w.WriteLine(GeneratedCode);
            w.WriteLine("public Layer CreateLayer(int batch, int features, ulong seed = 0, float? dt = null) => new Layer(this, batch, features, seed, dt);");
            w.WriteLine();
            WriteLayer(w, plan);
            w.Indent--;
            w.WriteLine("}");
        });
    }

    private static void WriteLayer(IndentedTextWriter w, EncoderPlan plan)
    {
        var m = plan.Model;
        string x = m.Input;
        w.WriteLine("/// <summary>");
        w.WriteLine($"/// The <see cref=\"{m.Name}\"/> encoder for <c>[batch, features]</c> inputs: a SIMD kernel that keeps each");
        w.WriteLine("/// element's state in registers across time and draws its random numbers from a counter-based generator.");
        w.WriteLine("/// </summary>");
        w.WriteLine("/// <remarks>");
        w.WriteLine("/// <code>");
        w.WriteLine("/// " + Emitter.Xml($"emit = {m.Emit}"));
        foreach (var s in m.States) w.WriteLine("/// " + Emitter.Xml($"{s.Name}[t + 1] = {s.Equation}"));
        foreach (var r in m.Requires) w.WriteLine("/// " + Emitter.Xml($"requires {r.Condition}: {r.Message}"));
        w.WriteLine("/// </code>");
        if (m.FanOut is not null)
            w.WriteLine($"/// <para>Population code: each input element drives <c>{m.FanOut}</c> consecutive output channels (channel <c>Index</c> of its population).</para>");
        w.WriteLine("/// <para>Thread safety: an encoder keeps no state between calls (each call starts from the initial state), so one encoder");
        w.WriteLine("/// may encode on several threads at once into separate output buffers, as long as no thread changes <c>Seed</c> or");
        w.WriteLine("/// <c>FirstSample</c> meanwhile.</para>");
        w.WriteLine("/// </remarks>");
        w.WriteLine(GeneratedCode);
        w.WriteLine("public sealed class Layer : global::SnnDsl.ISpikeEncoder");
        w.WriteLine("{");
        w.Indent++;

        foreach (var p in plan.KernelParameters) w.WriteLine($"private readonly float _p_{p};");
        foreach (var c in plan.KernelConstants) w.WriteLine($"private readonly float _c{c};");
        foreach (var s in m.States) w.WriteLine($"private readonly float _c_init_{s.Name};");
        if (plan.UsesDt) w.WriteLine("private readonly float _dt;");
        if (m.FanOut is not null) w.WriteLine("private readonly int _fanOut;");
        w.WriteLine();

        // Constructor.
        w.WriteLine("/// <summary>Creates the encoder and resolves the constants that depend only on the parameters and <paramref name=\"dt\"/>.</summary>");
        w.WriteLine("/// <param name=\"model\">The parameters.</param>");
        w.WriteLine("/// <param name=\"batch\">Samples per call (at least 1).</param>");
        w.WriteLine("/// <param name=\"features\">Input values per sample (at least 1).</param>");
        w.WriteLine("/// <param name=\"seed\">Seed of the <c>[Uniform]</c> draws.</param>");
        w.WriteLine("/// <param name=\"dt\">The time step in ms; defaults to the model's <c>Dt</c>.</param>");
        w.WriteLine($"public Layer({m.Name} model, int batch, int features, ulong seed = 0, float? dt = null)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(model);");
        w.WriteLine("if (batch < 1) throw new global::System.ArgumentOutOfRangeException(nameof(batch), batch, \"batch must be at least 1.\");");
        w.WriteLine("if (features < 1) throw new global::System.ArgumentOutOfRangeException(nameof(features), features, \"features must be at least 1.\");");
        w.WriteLine("float step = dt ?? model.Dt;");
        w.WriteLine("if (!(step > 0f) || float.IsPositiveInfinity(step))");
        w.WriteLine("    throw new global::System.ArgumentOutOfRangeException(nameof(dt), step, \"The time step must be a positive, finite number of milliseconds.\");");
        w.WriteLine("Model = model;");
        w.WriteLine("Batch = batch;");
        w.WriteLine("Features = features;");
        w.WriteLine("Dt = step;");
        w.WriteLine("Seed = seed;");
        if (m.FanOut is not null)
        {
            w.WriteLine($"float fan = model.{m.FanOut};");
            w.WriteLine("if (!(fan >= 1f) || fan != global::System.MathF.Floor(fan) || fan > 1e6f)");
            w.WriteLine($"    throw new global::System.ArgumentException($\"{m.FanOut} must be a whole number of output channels per input (at least 1), got {{fan}}.\", nameof(model));");
            w.WriteLine("_fanOut = (int)fan;");
            w.WriteLine("Outputs = checked(features * _fanOut);");
        }
        else w.WriteLine("Outputs = features;");
        foreach (var p in plan.KernelParameters) w.WriteLine($"_p_{p} = {Emitter.ParamRead(plan.Model.Parameters, p, "f")};");
        if (plan.UsesDt) w.WriteLine("_dt = step;");
        w.WriteLine();
        w.WriteLine("// Constants, computed once in double precision.");
        w.WriteLine("{");
        w.Indent++;
        foreach (var p in m.Parameters) w.WriteLine($"double {p.Name} = {Emitter.ParamRead(m.Parameters, p.Name, ".0")};");
        w.WriteLine("double Dt = step;");
        foreach (var step in plan.Constants)
        {
            if (step.Constant is not { } c) continue;
            w.WriteLine($"// {c.Comment}");
            w.WriteLine($"double {c.Name} = {DoublePrinter.Print(c.Value)};");
        }
        foreach (var r in plan.LayerRequires)
        {
            w.WriteLine($"if (!({DoublePrinter.Print(r.Condition)}))");
            w.WriteLine($"    throw new global::System.ArgumentException(\"{m.Name}: {Escape(r.Message).Replace("{{", "{").Replace("}}", "}")}\", nameof(model));");
        }
        Emitter.WriteFiniteGuards(w, m.Name, plan.KernelConstants, plan.Constants);
        foreach (var c in plan.KernelConstants) w.WriteLine($"_c{c} = (float){c};");
        foreach (var init in plan.Initials) w.WriteLine($"_c{init.Name} = (float)({DoublePrinter.Print(init.Value)});");
        w.Indent--;
        w.WriteLine("}");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();

        // Properties.
        w.WriteLine("/// <summary>The parameters this encoder was built from.</summary>");
        w.WriteLine($"public {m.Name} Model {{ get; }}");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public int Batch { get; }");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public int Features { get; }");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public int Outputs { get; }");
        w.WriteLine();
        w.WriteLine("/// <summary>The time step in ms.</summary>");
        w.WriteLine("public float Dt { get; }");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public ulong Seed { get; set; }");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc/>");
        w.WriteLine("public long FirstSample { get; set; }");
        w.WriteLine();

        // Public entry points.
        w.WriteLine("/// <summary>Encodes a held input: the same values at every step.</summary>");
        w.WriteLine($"/// <param name=\"{x}\">The input, <c>[batch, features]</c>: <see cref=\"Batch\"/> samples, or fewer (a short last batch; the samples' draws do not depend on the batch).</param>");
        w.WriteLine("/// <param name=\"steps\">The number of steps T.</param>");
        w.WriteLine("/// <param name=\"spikes\">Receives the spikes, <c>[T, batch, outputs]</c>, batch as in the input.</param>");
        w.WriteLine($"public void Encode(global::System.ReadOnlySpan<float> {x}, int steps, global::System.Span<float> spikes)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("if (steps < 0) throw new global::System.ArgumentOutOfRangeException(nameof(steps), steps, \"steps must not be negative.\");");
        w.WriteLine($"int _batch = {x}.Length / Features;");
        w.WriteLine($"if (_batch < 1 || _batch > Batch || {x}.Length != _batch * Features)");
        w.WriteLine($"    throw new global::System.ArgumentException($\"{x} must hold [batch, features] = [{{Batch}}, {{Features}}] = {{Batch * Features}} values, or a whole number of samples below {{Batch}} (a multiple of {{Features}}), but holds {{{x}.Length}}.\", nameof({x}));");
        w.WriteLine("if (spikes.Length != (long)steps * _batch * Outputs)");
        w.WriteLine("    throw new global::System.ArgumentException($\"spikes must hold [steps, batch, outputs] = [{steps}, {_batch}, {Outputs}] = {(long)steps * _batch * Outputs} values, but holds {spikes.Length}.\", nameof(spikes));");
        if (plan.Requires.Count > 0) w.WriteLine($"Validate({x}, steps, _batch, series: false);");
        w.WriteLine($"EncodeCore(steps, _batch, {x}, spikes);");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
        w.WriteLine("/// <summary>Encodes a time series, one input frame per step.</summary>");
        w.WriteLine("/// <param name=\"steps\">The number of steps T.</param>");
        w.WriteLine($"/// <param name=\"{x}\">The input, <c>[T, batch, features]</c>: <see cref=\"Batch\"/> samples, or fewer (a short last batch).</param>");
        w.WriteLine("/// <param name=\"spikes\">Receives the spikes, <c>[T, batch, outputs]</c>, batch as in the input.</param>");
        w.WriteLine($"public void Run(int steps, global::System.ReadOnlySpan<float> {x}, global::System.Span<float> spikes)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("if (steps < 0) throw new global::System.ArgumentOutOfRangeException(nameof(steps), steps, \"steps must not be negative.\");");
        w.WriteLine($"int _batch = steps == 0 ? Batch : (int)global::System.Math.Min({x}.Length / ((long)steps * Features), int.MaxValue);");
        w.WriteLine($"if (_batch < 1 || _batch > Batch || {x}.Length != (long)steps * _batch * Features)");
        w.WriteLine($"    throw new global::System.ArgumentException($\"{x} must hold [steps, batch, features] = [{{steps}}, {{Batch}}, {{Features}}] = {{(long)steps * Batch * Features}} values, or [{{steps}}, n, {{Features}}] for n below {{Batch}} samples, but holds {{{x}.Length}}.\", nameof({x}));");
        w.WriteLine("if (spikes.Length != (long)steps * _batch * Outputs)");
        w.WriteLine("    throw new global::System.ArgumentException($\"spikes must hold [steps, batch, outputs] = [{steps}, {_batch}, {Outputs}] = {(long)steps * _batch * Outputs} values, but holds {spikes.Length}.\", nameof(spikes));");
        if (plan.Requires.Count > 0) w.WriteLine($"Validate({x}, steps, _batch, series: true);");
        w.WriteLine($"RunCore(steps, _batch, {x}, spikes);");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();

        if (plan.Requires.Count > 0) WriteValidate(w, plan);
        WriteCore(w, plan, series: false);
        w.WriteLine();
        WriteCore(w, plan, series: true);

        w.Indent--;
        w.WriteLine("}");
    }

    private static void WriteValidate(IndentedTextWriter w, EncoderPlan plan)
    {
        var m = plan.Model;
        w.WriteLine($"// [Requires] preconditions, checked on every input element before any spike is written.");
        w.WriteLine($"private void Validate(global::System.ReadOnlySpan<float> _x, int _steps, int _batch, bool series)");
        w.WriteLine("{");
        w.Indent++;
        var names = Used(plan.Requires.Select(r => r.Condition));
        foreach (var p in plan.KernelParameters.Where(names.Contains)) w.WriteLine($"var {p} = _p_{p};");
        foreach (var c in plan.KernelConstants.Where(names.Contains)) w.WriteLine($"var {c} = _c{c};");
        if (names.Contains("Dt")) w.WriteLine("var Dt = _dt;");
        if (names.Contains("Steps")) w.WriteLine("var Steps = (float)_steps;");
        var used = Used(plan.Requires.Select(r => r.Condition));
        foreach (var l in plan.Literals.Where(l => used.Contains(l.Name))) w.WriteLine($"var {l.Name} = {Emitter.FloatLiteral(l.Value)};");
        w.WriteLine("int _perFrame = _batch * Features;");
        w.WriteLine("for (int _k = 0; _k < _x.Length; _k++)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine($"var {m.Input} = _x[_k];");
        foreach (var r in plan.Requires)
        {
            w.WriteLine($"if (!{KernelPrinter.Print(r.Condition)})");
            w.WriteLine("{");
            w.Indent++;
            w.WriteLine("int _frame = _k / _perFrame, _b = _k % _perFrame / Features, _f = _k % Features;");
            w.WriteLine("string _at = series ? $\"[{_frame}, {_b}, {_f}]\" : $\"[{_b}, {_f}]\";");
            w.WriteLine($"throw new global::System.ArgumentException($\"{m.Input}{{_at}} = {{{m.Input}}}: {Escape(r.Message)}\", \"{m.Input}\");");
            w.Indent--;
            w.WriteLine("}");
        }
        w.Indent--;
        w.WriteLine("}");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine();
    }

    /// <summary>Names of the symbols the expressions read.</summary>
    private static HashSet<string> Used(IEnumerable<Expr> expressions)
    {
        var set = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var e in expressions)
            foreach (var s in SnnDsl.Model.Symbolic.Algebra.Symbols(e)) set.Add(s.Name);
        return set;
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("{", "{{").Replace("}", "}}");

    private static void WriteCore(IndentedTextWriter w, EncoderPlan plan, bool series)
    {
        var m = plan.Model;
        string name = series ? "RunCore" : "EncodeCore";
        w.WriteLine(series
            ? "// Time-series input: the input is read at every step."
            : "// Held input: each element is read once and what depends only on it is computed before the time loop.");
        w.WriteLine($"private void {name}(int _steps, int _batch, global::System.ReadOnlySpan<float> _x, global::System.Span<float> _spikes)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("int _n = _batch * Outputs;");
        if (series) w.WriteLine("int _perFrame = _batch * Features;");
        w.WriteLine("int _i = 0;");
        if (m.Uniforms.Count > 0) w.WriteLine("ulong _elem0 = (ulong)(FirstSample * Outputs);");
        for (int k = 0; k < m.Uniforms.Count; k++)
            w.WriteLine($"ulong _key_{m.Uniforms[k]} = {Random}.StreamKey(Seed, {k});");
        w.WriteLine($"ref float _r_x = ref {Marshal}.GetReference(_x);");
        w.WriteLine($"ref float _r_spikes = ref {Marshal}.GetReference(_spikes);");
        w.WriteLine();
        WriteBlock(w, plan, series, vector: true);
        w.WriteLine();
        WriteBlock(w, plan, series, vector: false);
        w.Indent--;
        w.WriteLine("}");
    }

    private static void WriteBlock(IndentedTextWriter w, EncoderPlan plan, bool series, bool vector)
    {
        var m = plan.Model;
        string Broadcast(string scalar) => vector ? $"new {Vec}({scalar})" : scalar;
        bool fan = m.FanOut is not null;
        string inputIndex = fan ? "_i / _fanOut" : "_i";

        string LoadInput(string frameOffset)
        {
            if (!fan)
                return vector
                    ? $"{VecStatic}.LoadUnsafe(ref _r_x, (nuint)({frameOffset}_i))"
                    : $"{Unsafe}.Add(ref _r_x, (nint)({frameOffset}_i))";
            return vector
                ? $"{Fan}.GatherRepeat(ref {Unsafe}.Add(ref _r_x, (nint)({frameOffset}0)), _i, _fanOut)"
                : $"{Unsafe}.Add(ref _r_x, (nint)({frameOffset}{inputIndex}))";
        }

        w.WriteLine(vector ? "// SIMD body: Vector<float>.Count output channels at a time." : "// Scalar tail: the remaining channels, same statements.");
        w.WriteLine("{");
        w.Indent++;
        var names = Used(plan.Body.Select(s => s.Value).Concat(plan.Commit.Select(c => c.Value)).Append(plan.Emit));
        foreach (var p in plan.KernelParameters.Where(names.Contains)) w.WriteLine($"var {p} = {Broadcast("_p_" + p)};");
        foreach (var c in plan.KernelConstants.Where(names.Contains)) w.WriteLine($"var {c} = {Broadcast("_c" + c)};");
        if (names.Contains("Dt")) w.WriteLine($"var Dt = {Broadcast("_dt")};");
        if (names.Contains("Steps")) w.WriteLine($"var Steps = {Broadcast("(float)_steps")};");
        foreach (var l in plan.Literals.Where(l => names.Contains(l.Name))) w.WriteLine($"var {l.Name} = {Broadcast(Emitter.FloatLiteral(l.Value))};");
        if (m.Uniforms.Count > 0) w.WriteLine($"var _shape = {(vector ? Vec + ".Zero" : "0f")};");
        w.WriteLine(vector ? $"for (; _i <= _n - {Vec}.Count; _i += {Vec}.Count)" : "for (; _i < _n; _i++)");
        w.WriteLine("{");
        w.Indent++;
        if (names.Contains("Index"))
            w.WriteLine(vector ? $"var Index = {Fan}.IndexInGroup(_i, _fanOut);" : "var Index = (float)(_i % _fanOut);");
        foreach (var s in m.States) w.WriteLine($"var {s.Name} = {Broadcast("_c_init_" + s.Name)};");
        if (!series) w.WriteLine($"var {m.Input} = {LoadInput("")};");
        var outer = plan.Body.Where(s => series ? s.SeriesInvariant : s.StaticInvariant).ToList();
        var inner = plan.Body.Where(s => !(series ? s.SeriesInvariant : s.StaticInvariant)).ToList();
        foreach (var s in outer)
        {
            if (s.Comment.Length > 0) w.WriteLine("// " + s.Comment);
            w.WriteLine($"var {s.Name} = {KernelPrinter.Print(s.Value)};");
        }
        w.WriteLine("for (int _t = 0; _t < _steps; _t++)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("nuint _o = (nuint)((long)_t * _n + _i);");
        if (series) w.WriteLine($"var {m.Input} = {LoadInput("(long)_t * _perFrame + ")};");
        if (names.Contains("Time")) w.WriteLine($"var Time = {Broadcast("(float)_t")};");
        foreach (var u in m.Uniforms)
            w.WriteLine($"var {u} = {Random}.Uniform(_key_{u}, _elem0 + (ulong)_i, (ulong)_t, _shape);");
        foreach (var s in inner)
        {
            if (s.Comment.Length > 0) w.WriteLine("// " + s.Comment);
            w.WriteLine($"var {s.Name} = {KernelPrinter.Print(s.Value)};");
        }
        foreach (var c in plan.Commit) w.WriteLine($"{c.Name} = {KernelPrinter.Print(c.Value)};");
        w.WriteLine(vector
            ? $"{VecStatic}.StoreUnsafe({KernelPrinter.Print(plan.Emit)}, ref _r_spikes, _o);"
            : $"{Unsafe}.Add(ref _r_spikes, _o) = {KernelPrinter.Print(plan.Emit)};");
        w.Indent--;
        w.WriteLine("}");
        w.Indent--;
        w.WriteLine("}");
        w.Indent--;
        w.WriteLine("}");
    }
}
