using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Linq;
using SnnDsl.Model.Ir;
using SnnDsl.Model.Symbolic;

namespace SnnDsl.Generators;

/// <summary>
/// The run-time stability guards printed into the generated Layer constructor (inside the block where
/// each parameter and Dt are double locals): SNN1001 for every time constant the analyzers see
/// (<see cref="Stability.TimeConstants"/>), and SNN1002 for Euler/Rk2/Rk4 when the continuous system
/// is linear, with its Jacobian A printed as expressions of the parameters; then a finite-value check
/// of every (non-bool) parameter. <c>ApplyParameters</c> prints the same guards restricted to the
/// learnable parameters (the others were checked by the constructor and do not change).
/// </summary>
internal static class StabilityGuards
{
    private const string Guard = "global::SnnDsl.Numerics.StabilityGuard";

    /// <param name="w">The writer.</param>
    /// <param name="plan">The model's plan.</param>
    /// <param name="learned">Null in the constructor (every parameter); in ApplyParameters, the learnable parameters:
    /// only their guards are printed, and SNN1002 only when the Jacobian depends on one of them.</param>
    public static void Write(IndentedTextWriter w, KernelPlan plan, ICollection<string>? learned = null)
    {
        var m = plan.Model;
        bool Checked(string parameter) => learned is null || learned.Contains(parameter);
        var taus = Stability.TimeConstants(m).Where(t => Checked(t.Parameter)).ToList();
        bool explicitMethod = plan.Integrator is IntegratorKind.Euler or IntegratorKind.Rk2 or IntegratorKind.Rk4;
        var sys = explicitMethod ? Linearity.TryLinear(m, out _) : null;
        if (sys is not null && learned is not null && !sys.A.Any(e => Algebra.Symbols(e).Any(s => learned.Contains(s.Name)))) sys = null;
        if (taus.Count > 0 || sys is not null)
        {
            w.WriteLine("// Stability guards, the analyzers' rules on the run-time values (SNN1001 time constants, SNN1002 integrator).");
            foreach (var t in taus)
                w.WriteLine($"{Guard}.TimeConstant(\"{m.Name}\", \"{t.Parameter}\", {t.Parameter});");
            if (sys is not null)
            {
                string a = string.Join(", ", sys.A.Select(e => DoublePrinter.Print(Algebra.Simplify(e))));
                string states = string.Join(", ", sys.States.Select(s => "\"" + s + "\""));
                w.WriteLine($"{Guard}.Integrator(\"{m.Name}\", global::SnnDsl.Integrator.{plan.Integrator}, Dt, new double[] {{ {a} }}, new string[] {{ {states} }});");
            }
        }
        var finite = m.Parameters.Where(p => !p.IsBool && Checked(p.Name)).ToList();
        if (finite.Count == 0) return;
        w.WriteLine("// Every parameter must be a finite number (after the SNN1001 guards, which name a NaN time constant).");
        foreach (var p in finite)
            w.WriteLine($"{Guard}.Finite(\"{m.Name}\", \"{p.Name}\", {p.Name});");
    }
}
