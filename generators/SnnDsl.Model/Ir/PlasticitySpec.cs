namespace SnnDsl.Model.Ir;

/// <summary>Which neuron a plasticity trace belongs to.</summary>
internal enum TraceSide { Pre, Post, Synapse }

/// <summary>
/// A <c>[PreTrace]</c>, <c>[PostTrace]</c> or <c>[SynapseTrace]</c> variable: one value per presynaptic
/// neuron, postsynaptic neuron or synapse, its initial value and its dynamics. A <see cref="DynamicsKind.Derivative"/> trace is
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
/// <see cref="SynapseUpdates"/> are the new values of <c>[SynapseTrace]</c> fields, per synapse; <see cref="Reward"/>
/// names the reward argument of an <c>[OnReward]</c> handler ("" otherwise).
internal sealed record HandlerSpec(string Member, string Weight, EquatableArray<ResetSpec> TraceUpdates, Expr NewWeight, EquatableArray<ResetSpec> SynapseUpdates, string Reward);

/// <summary>A <c>[Plasticity]</c> rule as extracted: parameters, traces, handlers. No Roslyn objects inside.</summary>
internal sealed record PlasticitySpec(
    string Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string Name,
    double Dt,
    EquatableArray<ParamSpec> Parameters,
    EquatableArray<TraceSpec> Traces,
    HandlerSpec? OnPre,
    HandlerSpec? OnPost,
    HandlerSpec? OnReward)
{
    public string FullName => Names.Full(Namespace, ContainingTypes, Name);
}
