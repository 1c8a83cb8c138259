using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace SnnDsl.Model.Diagnostics;

/// <summary>
/// The one catalogue of SnnDsl diagnostics. SNN0xxx: the generator cannot generate the model
/// (errors). SNN1xxx: analyzer judgement calls. IDs are never reused; a new ID is the highest
/// shipped + 1, recorded in AnalyzerReleases.Unshipped.md and in the README's table.
/// The SNN1xxx descriptors are in DiagnosticDescriptors.Analyzers.cs, which only the analyzer
/// assembly compiles (each assembly's release-tracking files list the rules it contains).
/// </summary>
internal static partial class DiagnosticDescriptors
{
    private const string GeneratorCategory = "SnnDsl.Generator";
    private const string HelpBase = "https://github.com/snndsl/snndsl/blob/main/README.md#";

    private static DiagnosticDescriptor Error(string id, string title, string message, string description) =>
        new(id, title, message, GeneratorCategory, DiagnosticSeverity.Error, isEnabledByDefault: true,
            description: description, helpLinkUri: HelpBase + id.ToLowerInvariant());

    public static readonly DiagnosticDescriptor ModelMustBePartialRecord = Error("SNN0001",
        "Model must be a partial record class",
        "'{0}' must be declared as a 'partial record' (a class, not a record struct) so the generator can add its layer and built-ins",
        "Models are 'partial record' classes: 'new Model()' applies the parameter defaults, which a record struct silently does not, and 'partial' lets the generator add the Layer type, Dt and Spiked.");

    public static readonly DiagnosticDescriptor UnsupportedExpression = Error("SNN0002",
        "Unsupported construct in an equation",
        "'{0}' is not supported in an equation: {1}",
        "Equations may use arithmetic, comparisons, conditional expressions, parameters, states, input ports, sub-expressions, Dt, Spiked, and Math/MathF Exp, Log, Sqrt, Abs, Min, Max, Pow, Tanh and Clamp.");

    public static readonly DiagnosticDescriptor UnknownIdentifier = Error("SNN0003",
        "Unknown identifier in an equation",
        "'{0}' is not a parameter, state, input port, sub-expression, constant or built-in (Dt, Spiked) of '{1}'",
        "Every name in an equation must resolve to something the generator can compute per neuron.");

    public static readonly DiagnosticDescriptor StateWithoutDynamics = Error("SNN0004",
        "State without dynamics",
        "State '{0}' has no [Derivative(nameof({0}))] or [Next(nameof({0}))] equation",
        "Every [State] field needs exactly one equation. A constant belongs in a parameter.");

    public static readonly DiagnosticDescriptor StateWithTwoDynamics = Error("SNN0005",
        "State with two equations",
        "State '{0}' has more than one equation: '{1}' and '{2}'",
        "A state is either continuous ([Derivative]) or discrete ([Next]), with one equation.");

    public static readonly DiagnosticDescriptor SpikeConditionNotComparison = Error("SNN0006",
        "Spike condition is not a comparison",
        "The spike condition must be a comparison 'a >= b' or 'a > b', optionally followed by '&& gate', but is '{0}'",
        "The spike is H(a - b) and the surrogate gradient is evaluated at a - b, so the condition must name both sides.");

    public static readonly DiagnosticDescriptor NonFloatMember = Error("SNN0007",
        "Model values must be float",
        "{0} '{1}' must be of type float, not '{2}'",
        "Parameters, states and input ports are single-precision floats: the generated kernels are float SIMD loops.");

    public static readonly DiagnosticDescriptor EquationNotExpression = Error("SNN0008",
        "Equation must be an expression",
        "'{0}' must be expression-bodied ('=> expression') or a block with a single 'return'",
        "Equations are pure expressions; the generator differentiates and vectorises them.");

    public static readonly DiagnosticDescriptor UnknownState = Error("SNN0009",
        "Equation names an unknown state",
        "'{0}' names '{1}', which is not a [State] field of '{2}'",
        "[Derivative] and [Next] take the name of a [State] field; use nameof(...) so a rename follows.");

    public static readonly DiagnosticDescriptor SpikeConditionCount = Error("SNN0010",
        "Neuron needs one spike condition",
        "Neuron '{0}' needs exactly one [SpikeWhen] member, found {1}",
        "A neuron model declares when it fires with one [SpikeWhen] bool member.");

    public static readonly DiagnosticDescriptor InvalidReset = Error("SNN0011",
        "Unsupported reset statement",
        "[OnSpike] may only assign to states ('V = VReset', 'V -= Threshold', 'W += B'), but '{0}' {1}",
        "The reset is a sequence of assignments to [State] fields.");

    public static readonly DiagnosticDescriptor IntegratorNotApplicable = Error("SNN0012",
        "Integrator cannot integrate this model",
        "Integrator.{0} cannot integrate '{1}': {2}",
        "Exact needs linear equations with constant coefficients; ExponentialEuler needs each equation linear in its own state. Use Auto, Rk4, Rk2 or Euler otherwise.");

    public static readonly DiagnosticDescriptor RecursiveSubExpression = Error("SNN0013",
        "Recursive sub-expression",
        "Sub-expression '{0}' refers to itself",
        "Sub-expressions are inlined, so they cannot be recursive.");

    public static readonly DiagnosticDescriptor NameConflict = Error("SNN0014",
        "Name conflicts with generated code",
        "'{0}' {1}; rename it",
        "Dt, Spiked, Layer and CreateLayer are added by the generator, names starting with '_' are reserved for generated locals, and an input port must not shadow a parameter or state. States become properties of the generated Layer, so they must not be named like its members (Model, Batch, Neurons, Integrator, Reset, Step, Run); ports must not be named steps or spikes; C# keywords (@in) cannot be used as names.");

    public static readonly DiagnosticDescriptor GenericModel = Error("SNN0015",
        "Model must not be generic",
        "Model '{0}' must not be generic",
        "Models compile to float kernels; type parameters have nothing to bind to.");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error("SNN0016",
        "Containing type must be partial",
        "'{0}' contains the model '{1}' and must be declared partial and not generic",
        "The generator adds members to the model, which needs every containing type to be partial.");

    public static readonly DiagnosticDescriptor InvalidInitializer = Error("SNN0017",
        "State initializer must be constant per layer",
        "The initial value of state '{0}' may only use numbers, parameters and constants, not '{1}'",
        "Initial values are computed once per layer from parameters.");

    public static readonly DiagnosticDescriptor InternalError = Error("SNN0018",
        "SnnDsl could not process the model",
        "SnnDsl could not process '{0}' ({1}); please report this with the declaration",
        "An unexpected failure inside SnnDsl. The model is skipped instead of crashing the build.");

    public static readonly DiagnosticDescriptor EncoderStateNotDiscrete = Error("SNN0019",
        "Encoder state must be discrete",
        "Encoder '{0}': '{1}' is a [Derivative]; encoder states are discrete [Next] maps",
        "Encoders run once per time step on data; their state (e.g. the previous input of a delta code) is updated with [Next].");

    public static readonly DiagnosticDescriptor EmitCount = Error("SNN0020",
        "Encoder needs one [Emit] member",
        "Encoder '{0}' needs exactly one [Emit] member, found {1}",
        "[Emit] gives the spike (0/1, or -1/0/1) of one input element at one time step.");

    public static readonly DiagnosticDescriptor EncoderInputCount = Error("SNN0021",
        "Encoder needs one input value",
        "Encoder '{0}' must read exactly one input value (a float parameter of its equations not marked [Uniform]), found {1}",
        "An encoder maps each input element to spikes; its equations name that element with one parameter, e.g. 'float x'.");

    public static readonly DiagnosticDescriptor InvalidFanOut = Error("SNN0022",
        "FanOut must name a parameter",
        "[Encoder(FanOut = \"{0}\")] must name a float parameter of '{1}' with a positive integer default",
        "Population codes drive FanOut output channels per input element; the count is a parameter, read as the built-in Index inside equations.");

    public static readonly DiagnosticDescriptor SynapseMemberCount = Error("SNN0023",
        "Synapse needs one [OnPre] and one [Output] member",
        "Synapse '{0}' needs exactly one {1} member, found {2}",
        "A synapse says what a presynaptic spike of weight w does ([OnPre], assignments to its states) and which current it delivers to the target's input port ([Output], an expression).");

    public static readonly DiagnosticDescriptor InvalidSynapseMember = Error("SNN0024",
        "Unsupported synapse member",
        "'{0}' {1}",
        "Synapse dynamics read only parameters, states and Dt; [OnPre] takes the spike's weight as its one float parameter; [Output] parameters name states of the target neuron (e.g. V).");

    public static readonly DiagnosticDescriptor PlasticityHandlerCount = Error("SNN0025",
        "Plasticity rule needs [OnPre] or [OnPost]",
        "Plasticity rule '{0}' has {1}",
        "A plasticity rule says what a presynaptic spike ([OnPre]) and a postsynaptic spike ([OnPost]) do to the traces and to the weight; it needs at least one of them and at most one of each.");

    public static readonly DiagnosticDescriptor InvalidPlasticityMember = Error("SNN0026",
        "Unsupported plasticity member",
        "'{0}' {1}",
        "Traces ([PreTrace]/[PostTrace] float fields) evolve by their own [Derivative] (linear, integrated exactly) or [Next] equation; [OnPre]/[OnPost] are 'float F(float w)' methods that assign the spiking side's traces and return the new weight.");

    public static readonly DiagnosticDescriptor ExpressionTooLarge = Error("SNN0027",
        "Equation is too large to compile",
        "'{0}' is too large to compile: {1}",
        "The generator inlines sub-expressions, then simplifies, differentiates and prints each equation as a tree. An equation may nest at most 400 operations deep (a sum of n terms nests n deep) and expand to at most 100,000 nodes with its sub-expressions inlined (a sub-expression is copied at every read). Split a long expression into helper members of a few hundred terms each and combine those; avoid helper chains that read the previous helper more than once.");

    public static readonly DiagnosticDescriptor UndefinedEnumValue = Error("SNN0028",
        "Undefined enum value in a model attribute",
        "'{0}' is not a defined {1} value; use one of {2}",
        "An attribute argument such as Integrator or Surrogate given as a cast number must name a member of its enum; an undefined value would otherwise be silently treated as the default.");

    public static readonly DiagnosticDescriptor ModelHasBaseRecord = Error("SNN0029",
        "Model must not derive from another record",
        "Model '{0}' derives from '{1}'; a model must not have a base record",
        "The generator reads only the model's own parameters, states and equations and adds members (Dt, Spiked, Layer, ...) that would hide those of a base record, so inheritance between models is not supported. Share code between models with helper methods in a static class, or copy the members.");

    // Built on first use: the partial class's fields live in several files, and field initializers
    // of different files run in an unspecified order.
    private static Dictionary<string, DiagnosticDescriptor>? s_byId;

    private static Dictionary<string, DiagnosticDescriptor> ByIdMap => s_byId ??= typeof(DiagnosticDescriptors)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Select(f => f.GetValue(null)).OfType<DiagnosticDescriptor>().ToDictionary(d => d.Id);

    /// <summary>Every descriptor, ordered by ID.</summary>
    public static IEnumerable<DiagnosticDescriptor> All => ByIdMap.Values.OrderBy(d => d.Id, System.StringComparer.Ordinal);

    public static DiagnosticDescriptor ById(string id) => ByIdMap[id];
}
