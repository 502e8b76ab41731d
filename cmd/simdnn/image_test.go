package main

import (
	"image"
	"image/color"
	"testing"
)

func TestSourceSpanCoversEverySourcePixel(t *testing.T) {
	for _, src := range []int{1, 5, 28, 100} {
		for _, n := range []int{1, 7, 28, 56} {
			covered := make([]int, src)
			for i := 0; i < n; i++ {
				lo, hi := sourceSpan(i, n, src)
				if lo < 0 || hi > src || hi <= lo {
					t.Fatalf("src=%d n=%d: pixel %d spans [%d, %d)", src, n, i, lo, hi)
				}
				for s := lo; s < hi; s++ {
					covered[s]++
				}
			}
			if n <= src {
				for s, c := range covered {
					if c != 1 {
						t.Fatalf("src=%d n=%d: source pixel %d used %d times, want once when shrinking", src, n, s, c)
					}
				}
			}
		}
	}
}

func TestImageToCHWAveragesAndOrdersChannels(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	img.Set(1, 0, color.RGBA{G: 255, A: 255})
	img.Set(0, 1, color.RGBA{B: 255, A: 255})
	img.Set(1, 1, color.RGBA{R: 255, G: 255, B: 255, A: 255})

	rgb, err := imageToCHW(img, 3, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for c, want := range []float32{0.5, 0.5, 0.5} {
		if diff := rgb[c] - want; diff > 1e-6 || diff < -1e-6 {
			t.Errorf("channel %d = %v, want %v", c, rgb[c], want)
		}
	}

	gray, err := imageToCHW(img, 1, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gray[0] - 0.299; diff > 1e-6 || diff < -1e-6 {
		t.Errorf("gray of pure red = %v, want 0.299", gray[0])
	}
	if diff := gray[3] - 1; diff > 1e-6 || diff < -1e-6 {
		t.Errorf("gray of white = %v, want 1", gray[3])
	}

	if _, err := imageToCHW(img, 2, 2, 2); err == nil {
		t.Error("2 channels: no error")
	}
}
