namespace SnnDsl.Model.Ir;

/// <summary>Which neuron a plasticity trace belongs to.</summary>
internal enum TraceSide { Pre, Post }

/// <summary>
/// A <c>[PreTrace]</c> or <c>[PostTrace]</c> variable: one value per presynaptic or postsynaptic
/// neuron, its initial value and its dynamics. A <see cref="DynamicsKind.Derivative"/> trace is
/// linear with constant coefficients, dX/dt = <see cref="Rate"/> X + <see cref="Drive"/>, integrated
/// exactly; a <see cref="DynamicsKind.Next"/> trace applies <see cref="Equation"/> once per step.
/// </summary>
internal sealed record TraceSpec(string Name, TraceSide Side, Expr Initial, DynamicsKind Dynamics, Expr Equation, string EquationMember, Expr Rate, Expr Drive);

/// <summary>
/// An <c>[OnPre]</c> or <c>[OnPost]</c> handler after symbolic execution of its statements: the new
/// values of the spiking neuron's own traces and the new weight, both written in terms of the
/// values at handler entry (<see cref="SymKind.State"/> symbols) and, for the weight, the weight
/// <see cref="Weight"/> (an input symbol) and the other side's traces.
/// </summary>
internal sealed record HandlerSpec(string Member, string Weight, EquatableArray<ResetSpec> TraceUpdates, Expr NewWeight);

/// <summary>A <c>[Plasticity]</c> rule as extracted: parameters, traces, handlers. No Roslyn objects inside.</summary>
internal sealed record PlasticitySpec(
    string Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string Name,
    double Dt,
    EquatableArray<ParamSpec> Parameters,
    EquatableArray<TraceSpec> Traces,
    HandlerSpec? OnPre,
    HandlerSpec? OnPost)
{
    public string FullName => Names.Full(Namespace, ContainingTypes, Name);
}
