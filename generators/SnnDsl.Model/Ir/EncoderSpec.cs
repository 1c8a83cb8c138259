namespace SnnDsl.Model.Ir;

/// <summary>A <c>[Requires("message")]</c> precondition of an encoder, checked per input element.</summary>
internal sealed record RequireSpec(Expr Condition, string Message, string Member);

/// <summary>
/// An encoder as extracted from the user's declaration: per input element and step it emits a
/// value (0/1 or -1/0/1) from the input, its <c>[State]</c> (discrete <c>[Next]</c> maps only),
/// <c>[Uniform]</c> draws and the built-ins Time, Steps, Dt and (population codes) Index.
/// </summary>
internal sealed record EncoderSpec(
    string Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string Name,
    string Accessibility,
    double Dt,
    EquatableArray<ParamSpec> Parameters,
    EquatableArray<StateSpec> States,
    string Input,
    EquatableArray<string> Uniforms,
    Expr Emit,
    string EmitMember,
    string? FanOut,
    EquatableArray<RequireSpec> Requires)
{
    public string FullName => Names.Full(Namespace, ContainingTypes, Name);
}
