using SnnDsl.Model;
using SnnDsl.Model.Ir;

namespace SnnDsl.Generators;

/// <summary>A constant resolved once per layer, in double precision, from parameters, Dt and earlier constants.</summary>
internal sealed record ConstantDef(string Name, Expr Value, string Comment);

/// <summary>
/// The exact propagator of a coupled linear system, computed at construction by
/// <c>SnnDsl.Numerics.Propagator</c>: P = exp(A Dt), Q = integral of exp(A s) over [0, Dt].
/// Entries named "" are structurally zero (no path between the two states).
/// </summary>
internal sealed record PropagatorDef(EquatableArray<string> States, EquatableArray<Expr> A, EquatableArray<string> P, EquatableArray<string> Q);

/// <summary>One step of the constructor: a constant or a propagator.</summary>
internal sealed record ConstantStep(ConstantDef? Constant, PropagatorDef? Propagator);

/// <summary>A per-step statement: <c>var Name = Value;</c> (or, in <see cref="KernelPlan.Commit"/>, <c>Name = Value;</c>).</summary>
internal sealed record Stmt(string Name, Expr Value, string Comment);

/// <summary>A numeric literal bound to a named kernel constant.</summary>
internal sealed record LiteralDef(string Name, double Value);

/// <summary>
/// The target-independent kernel of one neuron model: what is computed once per layer and what
/// is computed per neuron and step, in order. The emitter prints it twice (SIMD body and scalar
/// tail) with the same text, so both give identical results.
/// </summary>
internal sealed record KernelPlan(
    ModelSpec Model,
    IntegratorKind Integrator,
    string IntegratorReason,
    EquatableArray<ConstantStep> Constants,
    EquatableArray<ConstantDef> Initials,
    EquatableArray<string> KernelParameters,
    EquatableArray<string> KernelConstants,
    EquatableArray<LiteralDef> Literals,
    bool KernelUsesDt,
    bool UsesSpiked,
    EquatableArray<Stmt> Body,
    EquatableArray<Stmt> Commit,
    Expr Spike,
    EquatableArray<ResetSpec> Resets,
    BackwardPlan? Backward,
    string BackwardReason,
    LearningPlan? Learning);

/// <summary>A trainable parameter: one value for the layer (<see cref="Shared"/>) or one per neuron.</summary>
internal sealed record LearnableDef(string Name, bool Shared);

/// <summary>d(leaf)/d(parameter) as a double expression of the parameters and Dt, evaluated once per neuron after Backward.</summary>
internal sealed record LeafDerivative(string Leaf, string Parameter, Expr Value);

/// <summary>
/// How a layer with <c>[Learnable]</c> parameters is trained: the parameters and the hoisted
/// constants that depend on them are stored per element (<see cref="PerElement"/>, recomputed by
/// <c>ApplyParameters</c>); Backward accumulates the adjoint of every <see cref="Leaves"/> entry per
/// element, then reduces over time, batch (and neurons for shared parameters) through <see cref="Derivatives"/>.
/// </summary>
internal sealed record LearningPlan(
    EquatableArray<LearnableDef> Parameters,
    EquatableArray<string> PerElement,
    EquatableArray<string> Leaves,
    EquatableArray<LeafDerivative> Derivatives);
