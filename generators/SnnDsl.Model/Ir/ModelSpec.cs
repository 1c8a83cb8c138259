namespace SnnDsl.Model.Ir;

/// <summary>Integrator identifiers; the values mirror <c>SnnDsl.Integrator</c> in the runtime.</summary>
internal enum IntegratorKind { Auto = 0, Exact = 1, ExponentialEuler = 2, Euler = 3, Rk2 = 4, Rk4 = 5 }

/// <summary>Surrogate identifiers; the values mirror <c>SnnDsl.Surrogate</c> in the runtime.</summary>
internal enum SurrogateKind { FastSigmoid = 0, ATan = 1, Sigmoid = 2, Triangle = 3, Rectangular = 4, StraightThrough = 5, Custom = 6 }

internal enum DynamicsKind { Derivative, Next }

/// <summary>A type that contains the model (for nested declarations), outermost first.</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>A model parameter: a <c>float</c> (or, for options, <c>bool</c>, read as 1/0) primary-constructor parameter.</summary>
internal sealed record ParamSpec(string Name, double? Default, bool Learnable, bool Shared, bool IsBool = false);

/// <summary>A state variable with its initial value (an expression of parameters and Dt) and its dynamics.</summary>
internal sealed record StateSpec(string Name, Expr Initial, DynamicsKind Dynamics, Expr Equation, string EquationMember);

/// <summary>
/// The spike condition: H(Left - Right) with the operator's boundary (<c>Strict</c>: <c>&gt;</c>),
/// optionally gated by conditions without gradient.
/// </summary>
internal sealed record SpikeSpec(Expr Left, Expr Right, bool Strict, Expr? Gate, SurrogateKind Surrogate, double Slope, string? CustomSurrogate)
{
    public Expr Condition
    {
        get
        {
            Expr cmp = new Binary(Strict ? BinOp.Gt : BinOp.Ge, Left, Right);
            return Gate is null ? cmp : new Binary(BinOp.And, cmp, Gate);
        }
    }
}

/// <summary>One assignment of the reset, applied in order to neurons that fired.</summary>
internal sealed record ResetSpec(string State, Expr Value);

/// <summary>
/// A neuron model as extracted from the user's declaration: everything the generator and the
/// analyzers need, with no Roslyn symbol, syntax node, location or compilation inside.
/// </summary>
internal sealed record ModelSpec(
    string Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string Name,
    string Accessibility,
    IntegratorKind Integrator,
    bool DetachReset,
    double Dt,
    EquatableArray<ParamSpec> Parameters,
    EquatableArray<StateSpec> States,
    EquatableArray<string> Inputs,
    SpikeSpec? Spike,
    EquatableArray<ResetSpec> Resets)
{
    /// <summary>The fully qualified name with dots, for messages and hint names.</summary>
    public string FullName => Names.Full(Namespace, ContainingTypes, Name);
}

internal static class Names
{
    /// <summary>Namespace, containing types and name joined with dots (no leading dot in the global namespace).</summary>
    public static string Full(string ns, EquatableArray<ContainingType> containing, string name)
    {
        var parts = new System.Collections.Generic.List<string>();
        if (ns.Length > 0) parts.Add(ns);
        foreach (var c in containing) parts.Add(c.Name);
        parts.Add(name);
        return string.Join(".", parts);
    }
}
