using System;
using SnnDsl.Training;

namespace SnnDsl.Tests.Training;

/// <summary>Optimizer settings are checked where they are given, naming the setting.</summary>
public class OptimizerSettingsTests
{
    private static Parameter[] P() => [new Parameter("p", 3)];

    private static void Refused(string name, Action make)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(make);
        Assert.Equal(name, e.ParamName);
        Assert.Contains(name, e.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(-1e-3f)]
    [InlineData(float.PositiveInfinity)]
    public void LearningRate_NaNNegativeOrInfinite_IsRefused_InConstructorsAndSetters(float lr)
    {
        Refused("learningRate", () => new Adam(P(), learningRate: lr));
        Refused("learningRate", () => new Sgd(P(), learningRate: lr));
        var adam = new Adam(P(), learningRate: 0.01f);
        Refused("learningRate", () => adam.LearningRate = lr);
        Assert.Equal(0.01f, adam.LearningRate);
        var sgd = new Sgd(P(), learningRate: 0.01f);
        Refused("learningRate", () => sgd.LearningRate = lr);
        Assert.Equal(0.01f, sgd.LearningRate);
    }

    [Fact]
    public void AdamSettings_OutsideTheirRange_AreRefusedByName()
    {
        Refused("epsilon", () => new Adam(P(), epsilon: 0f));
        Refused("epsilon", () => new Adam(P(), epsilon: -1e-8f));
        Refused("epsilon", () => new Adam(P(), epsilon: float.NaN));
        Refused("beta1", () => new Adam(P(), beta1: 1f));
        Refused("beta1", () => new Adam(P(), beta1: float.NaN));
        Refused("beta2", () => new Adam(P(), beta2: -0.1f));
        Refused("weightDecay", () => new Adam(P(), weightDecay: -0.01f));
        Refused("weightDecay", () => new Adam(P(), weightDecay: float.NaN));
        // The edges that are allowed: lr 0, beta 0, weight decay 0.
        var ok = new Adam(P(), learningRate: 0f, beta1: 0f, beta2: 0f, epsilon: 1e-30f, weightDecay: 0f);
        Assert.Equal(0f, ok.LearningRate);
    }

    [Fact]
    public void SgdSettings_OutsideTheirRange_AreRefusedByName()
    {
        Refused("momentum", () => new Sgd(P(), 0.1f, momentum: -0.9f));
        Refused("momentum", () => new Sgd(P(), 0.1f, momentum: float.NaN));
        Refused("weightDecay", () => new Sgd(P(), 0.1f, weightDecay: -1f));
        Refused("dampening", () => new Sgd(P(), 0.1f, momentum: 0.9f, dampening: 1.5f));
        Refused("dampening", () => new Sgd(P(), 0.1f, momentum: 0.9f, dampening: float.NaN));
        Assert.Equal(1f, new Sgd(P(), 0.1f, momentum: 0.9f, dampening: 1f).Dampening);
    }

    [Fact]
    public void ClipGlobalNorm_RefusesANegativeOrNaNBound_AndLeavesTheGradientsAlone()
    {
        var p = new Parameter("p", 2);
        p.Grad[0] = 3f; p.Grad[1] = 4f;
        Refused("maxNorm", () => GradientClipping.ClipGlobalNorm([p], -1f));
        Refused("maxNorm", () => GradientClipping.ClipGlobalNorm([p], float.NaN));
        Assert.Equal(new[] { 3f, 4f }, p.Grad);
        Assert.Equal(5.0, GradientClipping.ClipGlobalNorm([p], float.PositiveInfinity));
        Assert.Equal(new[] { 3f, 4f }, p.Grad);
    }
}
