using System;

namespace SnnDsl.IntegrationTests;

/// <summary>The built-ins Dt and Spiked as equations read them, and the integrate-fire-reset order.</summary>
public sealed class BuiltinsTests
{
    [Fact]
    public void DtIsTheLayersStep_AndSpikedIsThePreviousStepsSpike()
    {
        var layer = new BuiltinsProbe().CreateLayer(1, 1, dt: 0.5f);
        var s = new float[1];
        int spikesSoFar = 0;
        for (int n = 1; n <= 200; n++)
        {
            layer.Step(new[] { 3f }, s);
            Assert.Equal(0.5f * n, layer.Time[0]);               // dyadic: exact
            Assert.Equal(spikesSoFar, (int)layer.Count[0]);      // counts spikes of steps 1..n-1 only
            Assert.Equal(s[0], layer.Spiked[0]);
            if (s[0] == 1f) Assert.Equal(0f, layer.V[0]);        // fired on the new state, then reset
            else Assert.True(layer.V[0] < 1f);
            spikesSoFar += (int)s[0];
        }
        Assert.True(spikesSoFar > 10);
        // Crossing of 3 (1 - e^(-t/4)) = 1: t* = 4 ln 1.5 = 1.6219 ms, so every 4th step at dt = 0.5.
        Assert.Equal(200 / 4, spikesSoFar);
    }
}
