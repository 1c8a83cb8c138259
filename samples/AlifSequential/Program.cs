using System;
using System.Globalization;
using System.IO;
using System.Linq;
using SnnDsl.Data;
using SnnDsl.Encoders;
using SnnDsl.Neurons;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

// Sequential MNIST with adaptive LIF neurons (Yin, Corradi & Bohte 2020): each image is fed one row of
// 28 pixels per step (T = 28), so the network must remember the earlier rows in its neurons' state.
// Network: Dense(28, H) -> recurrent Alif (its spikes fed back through H x H weights, as the SRNN) -> Dense(H, 10) -> Leaky,
// cross-entropy on the output spike counts.
// Trained twice from the same initial weights on the same batches: (a) with TauM and TauAdp learned per
// neuron (at their own Adam learning rate), (b) with them frozen at their initial values.
// Usage: dotnet run -c Release --project samples/AlifSequential -- [--epochs N] [--data DIR] [--threads N] [--json]
var options = Options.Parse(args);
string dataDir = options.Data ?? FindBundledData();
var train = MnistDataset.Load(dataDir, MnistSplit.Train);
var test = MnistDataset.Load(dataDir, MnistSplit.Test);
int steps = train.Rows, inputs = train.Columns;
if (!options.Json)
{
    Console.WriteLine($"Sequential MNIST from {dataDir}: {train.Count} training and {test.Count} test images, one row of {inputs} pixels per step (T = {steps}).");
    Console.WriteLine($"Network {inputs} -> {options.Hidden} recurrent Alif -> 10 Leaky readout; Adam lr {options.LearningRate}, time constants lr {options.TauLearningRate}; batch {options.Batch}, {options.Epochs} epoch(s), {options.Threads} thread(s).");
}

var learnable = Run("learnable tau", learnTaus: true, options, train, test, steps, inputs);
var frozen = Run("fixed tau", learnTaus: false, options, train, test, steps, inputs);

if (!options.Json)
{
    Console.WriteLine();
    Console.WriteLine("Alif time constants (ms)          min   median      max");
    PrintTaus("initial TauM", frozen.TauM);
    PrintTaus("learned TauM", learnable.TauM);
    PrintTaus("initial TauAdp", frozen.TauAdp);
    PrintTaus("learned TauAdp", learnable.TauAdp);
    Console.WriteLine();
    Console.WriteLine("time constants      test accuracy   train accuracy   train loss   train s");
    foreach (var r in new[] { learnable, frozen })
        Console.WriteLine($"{r.Label,-18}  {r.Test.Accuracy,13:P2}   {r.Train.Accuracy,14:P2}   {r.Train.Loss,10:F4}   {r.Seconds,7:F1}");
}
else
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"accuracy_learnable_tau\": {learnable.Test.Accuracy:0.####}, \"accuracy_fixed_tau\": {frozen.Test.Accuracy:0.####}, \"epochs\": {options.Epochs}, \"train_seconds\": {learnable.Seconds + frozen.Seconds:0.##}, " +
        $"\"tau_m_median\": {Median(learnable.TauM):0.##}, \"tau_adp_median\": {Median(learnable.TauAdp):0.##}, \"hidden\": {options.Hidden}, \"steps\": {steps}, \"batch\": {options.Batch}, \"threads\": {options.Threads}}}"));
}
return 0;

static Result Run(string label, bool learnTaus, Options o, MnistDataset train, MnistDataset test, int steps, int inputs)
{
    var net = Sequential(
        Dense(inputs, o.Hidden),
        Recurrent(NeuronLayer("Alif", (b, n) => new Alif().CreateLayer(b, n))),
        Dense(o.Hidden, 10),
        NeuronLayer("Leaky", (b, n) => new Leaky(Beta: 0.95f).CreateLayer(b, n)));
    var weights = net.Initialize(seed: o.Seed);
    Parameter taus = weights.NeuronParameters[1]!;   // TauM[0..H), then TauAdp[0..H)
    SpreadTaus(taus.Value, o.Hidden, o.Seed);

    using var runner = net.CreateRunner(weights, steps, o.Batch, new RunnerOptions(Threads: o.Threads));
    var encoder = new RowEncoder(new Direct().CreateLayer(o.Batch, inputs), rows: steps);
    var optimizer = new TwoRateAdam(weights, o.LearningRate, learnTaus ? [taus] : [], o.TauLearningRate);
    var trainer = new Trainer(runner, encoder, new CrossEntropyCountLoss(), optimizer, maxGradientNorm: 1f);
    var trainBatches = new Batcher(train, o.Batch, seed: o.Seed);
    var testBatches = new Batcher(test, o.Batch, shuffle: false);

    double seconds = 0;
    EpochReport last = default, evaluation = default;
    for (int epoch = 0; epoch < o.Epochs; epoch++)
    {
        last = trainer.TrainEpoch(trainBatches, epoch, report =>
        {
            if (!o.Json) Progress.Draw(label, report, o.Epochs);
        });
        seconds += last.Seconds;
        evaluation = trainer.Evaluate(testBatches);
        if (!o.Json)
        {
            Progress.Clear();
            Console.WriteLine($"{label}, epoch {epoch + 1}/{o.Epochs}: train loss {last.Loss:F4}, train accuracy {last.Accuracy:P2} ({last.Samples / last.Seconds:F0} samples/s); test accuracy {evaluation.Accuracy:P2}");
        }
    }

    return new Result(label, last, evaluation, seconds, taus.Value[..o.Hidden], taus.Value[o.Hidden..]);
}

// Heterogeneous initial time constants (SRNN-style normal spread): TauM ~ N(20, 5), TauAdp ~ N(200, 25) ms,
// drawn from the seed (the same for both runs).
static void SpreadTaus(float[] taus, int hidden, ulong seed)
{
    var random = new Random((int)seed);
    double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
    for (int i = 0; i < hidden; i++) taus[i] = (float)Math.Clamp(20 + 5 * Normal(), 2, 100);
    for (int i = 0; i < hidden; i++) taus[hidden + i] = (float)Math.Clamp(200 + 25 * Normal(), 20, 1000);
}

static void PrintTaus(string name, float[] values)
{
    int floor = values.Count(v => v <= TwoRateAdam.MinTau);
    Console.WriteLine($"{name,-30} {values.Min(),8:F1} {Median(values),8:F1} {values.Max(),8:F1}" + (floor > 0 ? $"   ({floor} of {values.Length} at the {TwoRateAdam.MinTau} ms floor)" : ""));
}

static double Median(float[] values)
{
    var sorted = values.Order().ToArray();
    int n = sorted.Length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
}

static string FindBundledData()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        string candidate = Path.Combine(dir.FullName, "samples", "data", "mnist-10k");
        if (Directory.Exists(candidate)) return candidate;
    }
    throw new DirectoryNotFoundException("The bundled MNIST subset (samples/data/mnist-10k) was not found; pass --data DIR.");
}

/// <summary>One training run: the last epoch's training report, the test evaluation, the training time (test evaluations excluded), and the time constants after training.</summary>
internal sealed record Result(string Label, EpochReport Train, EpochReport Test, double Seconds, float[] TauM, float[] TauAdp);

/// <summary>Command-line options.</summary>
internal sealed record Options(int Epochs, string? Data, int Threads, bool Json, int Hidden, int Batch, float LearningRate, float TauLearningRate, ulong Seed)
{
    public static Options Parse(string[] args)
    {
        int epochs = 10, threads = Environment.ProcessorCount, hidden = 256, batch = 128;
        float lr = 2e-3f, tauLr = 0.5f;
        string? data = null;
        bool json = false;
        ulong seed = 1;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--epochs": epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--data": data = Next(); break;
                case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--json": json = true; break;
                case "--hidden": hidden = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--lr": lr = float.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--tau-lr": tauLr = float.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = ulong.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'. Options: --epochs N --data DIR --threads N --json --hidden H --batch B --lr X --tau-lr X --seed S.");
            }
        }
        return new Options(epochs, data, Math.Max(1, threads), json, hidden, batch, lr, tauLr, seed);
    }
}
