using System.CodeDom.Compiler;
using System.Linq;
using SnnDsl.Model.Ir;
using SnnDsl.Model.Symbolic;

namespace SnnDsl.Generators;

/// <summary>
/// The run-time stability guards printed into the generated Layer constructor (inside the block where
/// each parameter and Dt are double locals): SNN1001 for every time constant the analyzers see
/// (<see cref="Stability.TimeConstants"/>), and SNN1002 for Euler/Rk2/Rk4 when the continuous system
/// is linear, with its Jacobian A printed as expressions of the parameters.
/// </summary>
internal static class StabilityGuards
{
    private const string Guard = "global::SnnDsl.Numerics.StabilityGuard";

    public static void Write(IndentedTextWriter w, KernelPlan plan)
    {
        var m = plan.Model;
        var taus = Stability.TimeConstants(m);
        bool explicitMethod = plan.Integrator is IntegratorKind.Euler or IntegratorKind.Rk2 or IntegratorKind.Rk4;
        var sys = explicitMethod ? Linearity.TryLinear(m, out _) : null;
        if (taus.Count == 0 && sys is null) return;
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
}
