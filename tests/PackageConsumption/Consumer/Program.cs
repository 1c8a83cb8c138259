// Runs the user's model and the packaged zoo Lif under a constant input of 1.5 for 100 steps of 1 ms.
// tests/PackageConsumption/run.sh checks the printed lines against the hand-computed spike train.
using Consumer.Models;

const int Steps = 100;
var input = new float[Steps];
Array.Fill(input, 1.5f);

var layer = new MyLif().CreateLayer(batch: 1, neurons: 1);
var spikes = new float[Steps];
layer.Run(Steps, input, spikes);
var times = Enumerable.Range(0, Steps).Where(t => spikes[t] > 0f).ToArray();
Console.WriteLine($"MyLif: integrator {MyLif.Layer.Integrator}, {times.Length} spikes in {Steps} steps at {string.Join(' ', times)}");

var zoo = new SnnDsl.Neurons.Lif(TauMem: 10f, Threshold: 1f, VReset: 0f).CreateLayer(batch: 1, neurons: 1, dt: 1f);
var zooSpikes = new float[Steps];
zoo.Run(Steps, input, zooSpikes);
Console.WriteLine($"SnnDsl.Neurons.Lif (zoo, from lib/): {zooSpikes.Count(s => s > 0f)} spikes");
