// Command chart draws the layer comparison that bench/compare wrote as a
// PNG bar chart. For each layer, it shows the speed of simdnn, ONNX Runtime
// and PyTorch at one thread count relative to the faster of the two peers:
// that peer's time divided by the engine's time. The best peer is at 1,
// and longer bars are faster. Run from the bench folder:
//
//	go run ./chart [-in results/compare.json] [-out results/layers-1thread.png] [-threads 1]
package main

import (
	"errors"
	"flag"
	"fmt"
	"image/color"
	"log/slog"
	"os"
	"slices"

	"github.com/simdnn/simdnn/bench/report"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// series is one engine's bars.
type series struct {
	engine string
	note   string // added to the engine's name in the legend
	color  color.Color
}

// engines are the bars of each group, top to bottom; ORT's wall time from
// Node is left out because it measures the binding, not the runtime.
var engines = []series{
	{report.EngineSimdnn, "", color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}},
	{report.EngineORT, ", time inside the runtime", color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}},
	{report.EnginePyTorch, "", color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}},
}

// relativeSpeeds returns, for each layer run at threads in res, its title
// and each engine's best-peer time divided by the engine's time (0 where
// the engine did not run), in manifest order.
func relativeSpeeds(res *report.Results, threads int) (titles []string, speeds [][]float64, err error) {
	speeds = make([][]float64, len(engines))
	for _, l := range res.Layers {
		if l.Threads != threads {
			continue
		}
		_, bestMS := res.BestPeer(l)
		titles = append(titles, l.Title)
		for i, e := range engines {
			ms, ok := l.MedianMS[e.engine]
			speed := 0.0
			if ok && bestMS > 0 && ms > 0 {
				speed = bestMS / ms
			}
			speeds[i] = append(speeds[i], speed)
		}
	}
	if len(titles) == 0 {
		return nil, nil, fmt.Errorf("the results have no layer timed at %d threads", threads)
	}
	return titles, speeds, nil
}

// draw builds the horizontal grouped bar chart, the first layer at the top.
func draw(res *report.Results, threads int) (*plot.Plot, error) {
	titles, speeds, err := relativeSpeeds(res, threads)
	if err != nil {
		return nil, err
	}

	// Bars are placed from the bottom up, so reverse the layer order, and
	// leave an empty row at the top for the legend.
	slices.Reverse(titles)
	titles = append(titles, "")
	for i := range speeds {
		slices.Reverse(speeds[i])
		speeds[i] = append(speeds[i], 0)
	}

	sans := font.Font{Typeface: "Liberation", Variant: "Sans"}
	plot.DefaultFont = sans
	plotter.DefaultFont = sans
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Batch 1, %d thread%s: speed relative to the faster peer (higher is better)", threads, map[bool]string{true: "", false: "s"}[threads == 1])
	p.X.Label.Text = "best peer's median time ÷ engine's median time"
	p.X.Min = 0
	p.Legend.Top = true
	p.Legend.Left = false
	p.Add(plotter.NewGrid())

	const barWidth = 7 * vg.Millimeter / 2
	xmax := 1.0
	for i, e := range engines {
		values := plotter.Values(speeds[i])
		bars, err := plotter.NewBarChart(values, barWidth)
		if err != nil {
			return nil, err
		}
		bars.Horizontal = true
		bars.Color = e.color
		bars.LineStyle.Width = 0
		// The first engine is drawn on top within each group.
		bars.Offset = vg.Length(len(engines)/2-i) * barWidth
		p.Add(bars)
		p.Legend.Add(res.EngineName(e.engine)+e.note, bars)
		xmax = max(xmax, slices.Max(speeds[i]))

		if e.engine == report.EngineSimdnn {
			labels, err := valueLabels(speeds[i], bars.Offset)
			if err != nil {
				return nil, err
			}
			p.Add(labels)
		}
	}
	p.X.Max = xmax * 1.15

	// A dashed line marks the best peer's speed.
	parity, err := plotter.NewLine(plotter.XYs{{X: 1, Y: -0.5}, {X: 1, Y: float64(len(titles)) - 1.5}})
	if err != nil {
		return nil, err
	}
	parity.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	parity.Color = color.Gray{Y: 0x40}
	p.Add(parity)

	p.NominalY(titles...)
	return p, nil
}

// valueLabels writes each simdnn bar's value just beyond its end.
func valueLabels(speeds []float64, offset vg.Length) (*plotter.Labels, error) {
	xys := make(plotter.XYs, len(speeds))
	texts := make([]string, len(speeds))
	for i, s := range speeds {
		xys[i] = plotter.XY{X: s, Y: float64(i)}
		if s > 0 {
			texts[i] = fmt.Sprintf("%.2f", s)
		}
	}
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
	if err != nil {
		return nil, err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].YAlign = -0.5
		labels.TextStyle[i].Font.Size = vg.Points(9)
	}
	labels.Offset = vg.Point{X: vg.Points(3), Y: offset}
	return labels, nil
}

func run() error {
	in := flag.String("in", "results/compare.json", "results written by bench/compare")
	out := flag.String("out", "results/layers-1thread.png", "PNG file to write")
	threads := flag.Int("threads", 1, "thread count whose timings to draw")
	flag.Parse()
	if flag.NArg() > 0 {
		return errors.New("chart takes no arguments, only flags")
	}

	res, err := report.ReadResults(*in)
	if err != nil {
		return err
	}
	p, err := draw(res, *threads)
	if err != nil {
		return err
	}
	if err := p.Save(26*vg.Centimeter, 24*vg.Centimeter, *out); err != nil {
		return err
	}
	slog.Info("wrote chart", "file", *out)
	return nil
}

func main() {
	if err := run(); err != nil {
		slog.Error("chart failed", "err", err)
		os.Exit(1)
	}
}
