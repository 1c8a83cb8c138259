using System;
using System.Globalization;
using System.IO;
using System.Text;
using SnnDsl.Data;
using SnnDsl.Encoders;
using SnnDsl.Layers;
using SnnDsl.Neurons;
using SnnDsl.Training;

/// <summary>Runs one test digit through the trained weights and draws its spike raster (input, hidden, output) as SVG.</summary>
internal static class Raster
{
    public static void Write(string path, Network net, NetworkWeights weights, MnistDataset test, int index, int steps, ulong seed)
    {
        var w1 = weights.Dense[0]!;
        var w2 = weights.Dense[2]!;
        int inputs = w1.Inputs, hidden = w1.Outputs, classes = w2.Outputs;

        var encoder = new Rate().CreateLayer(1, inputs, seed);
        var x = new float[steps * inputs];
        encoder.Encode(test.Image(index), steps, x);

        var current1 = new float[steps * hidden];
        w1.Forward(x, steps, current1, w1.CreateWorkspace(steps));
        var layer1 = new Leaky(Beta: 0.95f).CreateLayer(1, hidden);
        var s1 = new float[steps * hidden];
        layer1.Run(steps, current1, s1);

        var current2 = new float[steps * classes];
        w2.Forward(s1, steps, current2, w2.CreateWorkspace(steps));
        var layer2 = new Leaky(Beta: 0.95f).CreateLayer(1, classes);
        var s2 = new float[steps * classes];
        layer2.Run(steps, current2, s2);

        var counts = new int[classes];
        for (int t = 0; t < steps; t++)
            for (int c = 0; c < classes; c++) counts[c] += s2[t * classes + c] > 0 ? 1 : 0;
        int predicted = Array.IndexOf(counts, Max(counts));
        int label = test.Labels.Span[index];

        // Layout: digit image on the left, three rasters (time on x) on the right.
        const int cell = 6, left = 200, top = 40, panelGap = 30;
        int shownHidden = Math.Min(hidden, 200);
        int rasterWidth = steps * 14;
        int hInput = 784 / 4 * 1, hHidden = shownHidden * 2, hOut = classes * 12;
        int height = top + hInput / 2 + panelGap + hHidden + panelGap + hOut + 60;
        int width = left + rasterWidth + 120;
        var svg = new StringBuilder();
        string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append($"<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">Test digit {index}: label {label}, predicted {predicted} ({counts[predicted]} of {steps} steps)</text>\n");

        // The digit.
        var image = test.Image(index);
        for (int r = 0; r < test.Rows; r++)
            for (int c = 0; c < test.Columns; c++)
            {
                int g = 255 - (int)Math.Round(image[r * test.Columns + c] * 255);
                if (g < 250) svg.Append($"<rect x=\"{10 + c * cell}\" y=\"{top + r * cell}\" width=\"{cell}\" height=\"{cell}\" fill=\"rgb({g},{g},{g})\"/>\n");
            }
        svg.Append($"<rect x=\"10\" y=\"{top}\" width=\"{test.Columns * cell}\" height=\"{test.Rows * cell}\" fill=\"none\" stroke=\"#888\"/>\n");

        int y = top;
        void Panel(string title, float[] spikes, int units, int shown, double rowHeight, string colour)
        {
            double h = shown * rowHeight;
            svg.Append($"<text x=\"{left}\" y=\"{y - 6}\" font-weight=\"bold\">{title}</text>\n");
            svg.Append($"<rect x=\"{left}\" y=\"{y}\" width=\"{rasterWidth}\" height=\"{F(h)}\" fill=\"#fafafa\" stroke=\"#888\"/>\n");
            for (int t = 0; t < steps; t++)
                for (int u = 0; u < shown; u++)
                    if (spikes[t * units + u] > 0)
                        svg.Append($"<rect x=\"{left + t * 14 + 3}\" y=\"{F(y + u * rowHeight)}\" width=\"8\" height=\"{F(Math.Max(rowHeight - 0.5, 0.8))}\" fill=\"{colour}\"/>\n");
            y += (int)Math.Ceiling(h) + panelGap;
        }

        Panel($"Input: rate-coded pixels (every 4th of {inputs})", Every(x, inputs, 4, steps, out int shownInputs), shownInputs, shownInputs, 0.5 * 784 / shownInputs, "#444");
        Panel($"Hidden Leaky layer (first {shownHidden} of {hidden})", s1, hidden, shownHidden, 2, "#1f77b4");
        int outTop = y;
        Panel("Output Leaky layer (one row per class)", s2, classes, classes, 12, "#d62728");
        for (int c = 0; c < classes; c++)
            svg.Append($"<text x=\"{left + rasterWidth + 8}\" y=\"{outTop + c * 12 + 10}\" fill=\"{(c == predicted ? "#d62728" : "#333")}\">{c}: {counts[c]}</text>\n");
        for (int t = 0; t <= steps; t += 5)
            svg.Append($"<text x=\"{left + t * 14}\" y=\"{y - panelGap + 16}\" text-anchor=\"middle\">{t}</text>\n");
        svg.Append($"<text x=\"{left + rasterWidth / 2}\" y=\"{y - panelGap + 32}\" text-anchor=\"middle\">time step</text>\n");
        svg.Append("</svg>\n");
        File.WriteAllText(path, svg.ToString());
    }

    private static int Max(int[] values)
    {
        int m = int.MinValue;
        foreach (int v in values) m = Math.Max(m, v);
        return m;
    }

    private static float[] Every(float[] x, int units, int stride, int steps, out int shown)
    {
        shown = (units + stride - 1) / stride;
        var result = new float[steps * shown];
        for (int t = 0; t < steps; t++)
            for (int u = 0; u < shown; u++) result[t * shown + u] = x[t * units + u * stride];
        return result;
    }
}
