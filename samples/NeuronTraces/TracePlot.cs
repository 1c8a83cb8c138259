using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NeuronTraces;

/// <summary>One simulated neuron: samples at times <see cref="Time"/> (ms), spike times, and how to draw it.</summary>
internal sealed record Trace(float[] Time, float[] V, IReadOnlyList<float> Spikes, float StartMs, float Amplitude)
{
    public string Title { get; init; } = "";
    public string Details { get; init; } = "";
    public string VLabel { get; init; } = "V";
    public string ILabel { get; init; } = "I";
    public float Threshold { get; init; } = float.NaN;
    public string ThresholdLabel { get; init; } = "";
    public string Color { get; init; } = "#333333";
}

/// <summary>A small SVG writer for stacked membrane-trace panels: no dependencies, invariant formatting.</summary>
internal static class TracePlot
{
    private const double Width = 960;
    private const double Left = 84, Right = 28;
    private const double PlotWidth = Width - Left - Right;
    private const double HeaderHeight = 100;
    private const double TitleBlock = 44;       // panel title and details
    private const double RasterHeight = 18;     // spike markers
    private const double MembraneHeight = 170;
    private const double Gap = 10;
    private const double InputHeight = 46;
    private const double AxisBlock = 46;        // x tick labels and axis title
    private const double PanelHeight = TitleBlock + RasterHeight + MembraneHeight + Gap + InputHeight + AxisBlock + 18;
    private const string Font = "DejaVu Sans, Helvetica, Arial, sans-serif";
    private const string Ink = "#222222", Muted = "#666666", GridColor = "#e6e6e6", AxisColor = "#999999";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(IReadOnlyList<Trace> traces, double durationMs, string title, params string[] subtitle)
    {
        double height = HeaderHeight + traces.Count * PanelHeight + 8;
        var svg = new StringBuilder();
        svg.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width:0}\" height=\"{height:0}\" viewBox=\"0 0 {Width:0} {height:0}\" font-family=\"{Font}\">\n");
        svg.Append(Inv, $"<rect width=\"{Width:0}\" height=\"{height:0}\" fill=\"#ffffff\"/>\n");
        Text(svg, Left, 38, title, 21, Ink, weight: "bold");
        for (int i = 0; i < subtitle.Length; i++) Text(svg, Left, 62 + 18 * i, subtitle[i], 13, Muted);

        double top = HeaderHeight;
        for (int i = 0; i < traces.Count; i++)
        {
            Panel(svg, traces[i], i, top, durationMs);
            top += PanelHeight;
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, Trace t, int index, double top, double durationMs)
    {
        double x0 = Left, x1 = Left + PlotWidth;
        double X(double ms) => x0 + ms / durationMs * PlotWidth;

        // Title and parameters.
        Text(svg, x0, top + 18, t.Title, 16, Ink, weight: "bold");
        Text(svg, x0, top + 36, t.Details, 12, Muted);

        // Spike raster: one mark per spike.
        double rasterTop = top + TitleBlock;
        double rasterMid = rasterTop + RasterHeight / 2;
        Text(svg, x0 - 10, rasterMid + 4, "spikes", 11, Muted, anchor: "end");
        foreach (float s in t.Spikes)
            svg.Append(Inv, $"<line x1=\"{X(s):0.##}\" y1=\"{rasterTop + 3:0.##}\" x2=\"{X(s):0.##}\" y2=\"{rasterTop + RasterHeight - 3:0.##}\" stroke=\"{t.Color}\" stroke-width=\"2\" stroke-linecap=\"round\"/>\n");

        // Membrane potential.
        double mTop = rasterTop + RasterHeight, mBottom = mTop + MembraneHeight;
        double vMin = Math.Min(t.V.Min(), float.IsNaN(t.Threshold) ? double.PositiveInfinity : t.Threshold);
        double vMax = Math.Max(t.V.Max(), float.IsNaN(t.Threshold) ? double.NegativeInfinity : t.Threshold);
        double pad = (vMax - vMin) * 0.06;
        vMin -= pad;
        vMax += pad;
        double Y(double v) => mBottom - (v - vMin) / (vMax - vMin) * MembraneHeight;

        string clip = $"clip{index}";
        svg.Append(Inv, $"<clipPath id=\"{clip}\"><rect x=\"{x0:0.##}\" y=\"{mTop:0.##}\" width=\"{PlotWidth:0.##}\" height=\"{MembraneHeight:0.##}\"/></clipPath>\n");
        var xTicks = Ticks(0, durationMs, 8);
        VerticalGrid(svg, xTicks, X, mTop, mBottom);
        foreach (double v in Ticks(vMin, vMax, 5))
        {
            svg.Append(Inv, $"<line x1=\"{x0:0.##}\" y1=\"{Y(v):0.##}\" x2=\"{x1:0.##}\" y2=\"{Y(v):0.##}\" stroke=\"{GridColor}\"/>\n");
            Text(svg, x0 - 8, Y(v) + 4, Number(v), 11, Ink, anchor: "end");
        }
        AxisTitle(svg, x0 - 58, (mTop + mBottom) / 2, t.VLabel);

        // Onset of the current.
        svg.Append(Inv, $"<line x1=\"{X(t.StartMs):0.##}\" y1=\"{mTop:0.##}\" x2=\"{X(t.StartMs):0.##}\" y2=\"{mBottom + Gap + InputHeight:0.##}\" stroke=\"{AxisColor}\" stroke-dasharray=\"2 3\"/>\n");

        if (!float.IsNaN(t.Threshold))
        {
            svg.Append(Inv, $"<line x1=\"{x0:0.##}\" y1=\"{Y(t.Threshold):0.##}\" x2=\"{x1:0.##}\" y2=\"{Y(t.Threshold):0.##}\" stroke=\"{Ink}\" stroke-opacity=\"0.55\" stroke-dasharray=\"6 4\"/>\n");
            Text(svg, x0 + 6, Y(t.Threshold) + 15, t.ThresholdLabel, 11, Muted);
        }

        var points = new StringBuilder();
        for (int i = 0; i < t.Time.Length; i++)
            points.Append(Inv, $"{X(t.Time[i]):0.##},{Y(t.V[i]):0.##} ");
        svg.Append(Inv, $"<polyline clip-path=\"url(#{clip})\" fill=\"none\" stroke=\"{t.Color}\" stroke-width=\"1.4\" stroke-linejoin=\"round\" points=\"{points.ToString().TrimEnd()}\"/>\n");

        // Spike markers on the trace: a dot at the threshold where the neuron fired.
        if (!float.IsNaN(t.Threshold))
        {
            foreach (float s in t.Spikes)
                svg.Append(Inv, $"<circle cx=\"{X(s):0.##}\" cy=\"{Y(t.Threshold):0.##}\" r=\"3\" fill=\"{t.Color}\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n");
        }
        Frame(svg, x0, mTop, PlotWidth, MembraneHeight);

        // Input current.
        double iTop = mBottom + Gap, iBottom = iTop + InputHeight;
        double iMax = t.Amplitude * 1.3;
        double IY(double i) => iBottom - i / iMax * InputHeight;
        VerticalGrid(svg, xTicks, X, iTop, iBottom);
        string step = string.Create(Inv, $"{x0:0.##},{IY(0):0.##} {X(t.StartMs):0.##},{IY(0):0.##} {X(t.StartMs):0.##},{IY(t.Amplitude):0.##} {x1:0.##},{IY(t.Amplitude):0.##}");
        svg.Append(Inv, $"<polygon points=\"{step} {x1:0.##},{IY(0):0.##}\" fill=\"{t.Color}\" fill-opacity=\"0.12\"/>\n");
        svg.Append(Inv, $"<polyline points=\"{step}\" fill=\"none\" stroke=\"{t.Color}\" stroke-width=\"1.6\"/>\n");
        Text(svg, x0 - 8, IY(0) + 4, "0", 11, Ink, anchor: "end");
        Text(svg, x0 - 8, IY(t.Amplitude) + 4, Number(t.Amplitude), 11, Ink, anchor: "end");
        Text(svg, X(t.StartMs) + 8, IY(t.Amplitude) + 16, string.Create(Inv, $"{t.ILabel} = {Number(t.Amplitude)} from {Number(t.StartMs)} ms"), 11, Muted);
        AxisTitle(svg, x0 - 58, (iTop + iBottom) / 2, "input");
        Frame(svg, x0, iTop, PlotWidth, InputHeight);

        // Time axis.
        foreach (double ms in xTicks)
        {
            svg.Append(Inv, $"<line x1=\"{X(ms):0.##}\" y1=\"{iBottom:0.##}\" x2=\"{X(ms):0.##}\" y2=\"{iBottom + 5:0.##}\" stroke=\"{AxisColor}\"/>\n");
            Text(svg, X(ms), iBottom + 19, Number(ms), 11, Ink, anchor: "middle");
        }
        Text(svg, (x0 + x1) / 2, iBottom + 38, "time (ms)", 12, Ink, anchor: "middle");
    }

    private static void VerticalGrid(StringBuilder svg, IEnumerable<double> ticks, Func<double, double> x, double top, double bottom)
    {
        foreach (double ms in ticks)
            svg.Append(Inv, $"<line x1=\"{x(ms):0.##}\" y1=\"{top:0.##}\" x2=\"{x(ms):0.##}\" y2=\"{bottom:0.##}\" stroke=\"{GridColor}\"/>\n");
    }

    private static void Frame(StringBuilder svg, double x, double y, double w, double h) =>
        svg.Append(Inv, $"<rect x=\"{x:0.##}\" y=\"{y:0.##}\" width=\"{w:0.##}\" height=\"{h:0.##}\" fill=\"none\" stroke=\"{AxisColor}\"/>\n");

    private static void AxisTitle(StringBuilder svg, double x, double y, string label) =>
        svg.Append(Inv, $"<text x=\"{x:0.##}\" y=\"{y:0.##}\" font-size=\"12\" fill=\"{Ink}\" text-anchor=\"middle\" transform=\"rotate(-90 {x:0.##} {y:0.##})\">{Escape(label)}</text>\n");

    private static void Text(StringBuilder svg, double x, double y, string text, double size, string color, string anchor = "start", string weight = "normal") =>
        svg.Append(Inv, $"<text x=\"{x:0.##}\" y=\"{y:0.##}\" font-size=\"{size:0.##}\" fill=\"{color}\" text-anchor=\"{anchor}\" font-weight=\"{weight}\">{Escape(text)}</text>\n");

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>Round tick values (1, 2, 2.5 or 5 times a power of ten) inside [lo, hi], about <paramref name="count"/> of them.</summary>
    private static List<double> Ticks(double lo, double hi, int count)
    {
        double raw = (hi - lo) / count;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw * 0.999);
        var ticks = new List<double>();
        for (double v = Math.Ceiling(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
            ticks.Add(Math.Abs(v) < step * 1e-9 ? 0 : v);
        return ticks;
    }

    // Replaces the ASCII hyphen with a true minus sign for negative tick labels.
    private static string Number(double v) => v.ToString("0.##", Inv).Replace("-", "\u2212", StringComparison.Ordinal);
}
