namespace SnnDsl.Model.Ir;

/// <summary>
/// A <c>[Synapse]</c> model as extracted from the user's declaration: its per-target state and
/// dynamics (as a <see cref="ModelSpec"/> without spike or inputs, so neurons and synapses share
/// lowering and exact integration), the <c>[OnPre]</c> assignments (reading the spike's weight as
/// the input <see cref="Weight"/>), and the <c>[Output]</c> current with the target states it reads.
/// No Roslyn symbol, syntax node, location or compilation inside.
/// </summary>
internal sealed record SynapseSpec(
    ModelSpec Dynamics,
    string Weight,
    EquatableArray<ResetSpec> OnPre,
    string OnPreMember,
    Expr Output,
    string OutputMember,
    string Port,
    EquatableArray<string> TargetReads)
{
    public string FullName => Dynamics.FullName;
}
