using System;
using SnnDsl.Training;

/// <summary>A one-line progress bar with loss, accuracy and throughput.</summary>
internal static class Progress
{
    public static void Draw(string label, BatchReport r, int epochs)
    {
        const int width = 30;
        int done = (int)Math.Round((double)(r.Index + 1) / r.Batches * width);
        string bar = new string('#', done) + new string('.', width - done);
        string line = $"{label} epoch {r.Epoch + 1}/{epochs} [{bar}] {r.Index + 1}/{r.Batches}  loss {r.Loss:F3}  acc {r.Accuracy:P1}  {r.SamplesPerSecond:F0} samples/s";
        if (Console.IsOutputRedirected) return; // redirected output gets the per-epoch lines only
        Console.Write("\r" + line.PadRight(Console.WindowWidth > 0 ? Math.Min(Console.WindowWidth - 1, 120) : 100));
    }

    public static void Clear()
    {
        if (!Console.IsOutputRedirected) Console.Write("\r" + new string(' ', 120) + "\r");
    }
}
