using System;
using System.Globalization;
using System.IO;
using System.Text;
using SnnDsl.Simulation;

namespace Cuba;

/// <summary>Draws the spike raster (every k-th neuron, excitatory blue, inhibitory red) and the population rate as SVG.</summary>
internal static class CubaRaster
{
    public static void Write(string path, SpikeMonitor spikes, PopulationRateMonitor rate, CubaNetwork cuba, float duration)
    {
        const int left = 60, top = 30, width = 900, rasterHeight = 500, rateHeight = 120, gap = 40;
        int stride = Math.Max(1, cuba.Neurons / 1000);       // at most 1,000 rows
        int rows = (cuba.Neurons + stride - 1) / stride;
        string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        double X(double ms) => left + ms / duration * width;
        var svg = new StringBuilder();
        int height = top + rasterHeight + gap + rateHeight + 50;
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{left + width + 30}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append($"<text x=\"{left}\" y=\"18\">CUBA: {cuba.Neurons:N0} neurons, every {stride} shown; {spikes.Count:N0} spikes, {F(rate.MeanRateHz)} Hz</text>\n");
        svg.Append($"<rect x=\"{left}\" y=\"{top}\" width=\"{width}\" height=\"{rasterHeight}\" fill=\"none\" stroke=\"#888\"/>\n");
        var steps = spikes.Steps;
        var neurons = spikes.Neurons;
        double rowH = (double)rasterHeight / rows;
        for (int k = 0; k < spikes.Count; k++)
        {
            if (neurons[k] % stride != 0) continue;
            double x = X((steps[k] + 1) * (double)spikes.Dt);
            double y = top + rasterHeight - (neurons[k] / stride + 0.5) * rowH;
            string color = neurons[k] < cuba.Excitatory ? "#1f4e9e" : "#c0392b";
            svg.Append($"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"1.2\" height=\"1.2\" fill=\"{color}\"/>\n");
        }
        svg.Append($"<text x=\"10\" y=\"{top + rasterHeight / 2}\" transform=\"rotate(-90 10 {top + rasterHeight / 2})\">neuron</text>\n");

        var rates = rate.RatesHz();
        double maxRate = 1;
        foreach (double r in rates) maxRate = Math.Max(maxRate, r);
        int y0 = top + rasterHeight + gap;
        svg.Append($"<rect x=\"{left}\" y=\"{y0}\" width=\"{width}\" height=\"{rateHeight}\" fill=\"none\" stroke=\"#888\"/>\n");
        var pts = new StringBuilder();
        double binMs = rate.BinSteps * (double)rate.Dt;
        for (int b = 0; b < rates.Length; b++)
            pts.Append(F(X((b + 0.5) * binMs))).Append(',').Append(F(y0 + rateHeight - rates[b] / maxRate * rateHeight)).Append(' ');
        svg.Append($"<polyline fill=\"none\" stroke=\"black\" stroke-width=\"1\" points=\"{pts}\"/>\n");
        svg.Append($"<text x=\"{left - 55}\" y=\"{y0 + 10}\">{F(maxRate)} Hz</text>\n");
        svg.Append($"<text x=\"{left - 55}\" y=\"{y0 + rateHeight}\">0</text>\n");
        svg.Append($"<text x=\"{left + width / 2 - 60}\" y=\"{height - 10}\">time (ms), 0 to {F(duration)}; rate in 1 ms bins</text>\n");
        svg.Append("</svg>\n");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, svg.ToString());
    }
}
