package main

import (
	"fmt"
	"image"
	_ "image/gif" // register the GIF decoder with image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
)

// maxImagePixels bounds the images that classify decodes, 2^26 pixels
// (8192×8192), because a small file can declare a huge image and make the
// decoder allocate for all of it.
const maxImagePixels = 1 << 26

// loadImage decodes a PNG, JPEG or GIF file.
func loadImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	config, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w (supported formats: PNG, JPEG, GIF)", path, err)
	}
	if float64(config.Width)*float64(config.Height) > maxImagePixels {
		return nil, fmt.Errorf("%s is %dx%d pixels, more than the %d that classify decodes; shrink it first", path, config.Width, config.Height, maxImagePixels)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w (supported formats: PNG, JPEG, GIF)", path, err)
	}
	return img, nil
}

// imageToCHW resizes img to h×w and returns its pixels scaled to [0, 1]
// in channel-major order: one gray channel when channels is 1, or red,
// green and blue when it is 3. Resizing averages the source pixels whose
// centres fall inside each destination pixel (a box filter), or takes the
// nearest one when none does, as when enlarging.
func imageToCHW(img image.Image, channels, h, w int) ([]float32, error) {
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("model input has %d channels; images can fill 1 (gray) or 3 (RGB)", channels)
	}
	bounds := img.Bounds()
	srcH, srcW := bounds.Dy(), bounds.Dx()
	if srcH == 0 || srcW == 0 {
		return nil, fmt.Errorf("image is empty (%dx%d pixels)", srcW, srcH)
	}

	out := make([]float32, channels*h*w)
	plane := h * w
	for y := 0; y < h; y++ {
		y0, y1 := sourceSpan(y, h, srcH)
		for x := 0; x < w; x++ {
			x0, x1 := sourceSpan(x, w, srcW)
			var sum [3]float64
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					r, g, b, a := img.At(bounds.Min.X+sx, bounds.Min.Y+sy).RGBA()
					white := float64(65535 - a)
					sum[0] += float64(r) + white
					sum[1] += float64(g) + white
					sum[2] += float64(b) + white
				}
			}
			// RGBA returns 16-bit channels premultiplied by alpha; adding
			// the transparent share as white composites the image over a
			// white background, as image viewers show it.
			scale := 1 / (65535 * float64((y1-y0)*(x1-x0)))
			if channels == 1 {
				// ITU-R BT.601 luma weights, as image/color.GrayModel uses.
				out[y*w+x] = float32((0.299*sum[0] + 0.587*sum[1] + 0.114*sum[2]) * scale)
				continue
			}
			for c := 0; c < 3; c++ {
				out[c*plane+y*w+x] = float32(sum[c] * scale)
			}
		}
	}
	return out, nil
}

// sourceSpan returns the source pixels [lo, hi) whose centres fall inside
// destination pixel i of n, when n destination pixels cover src source
// pixels; at least one pixel is always returned.
func sourceSpan(i, n, src int) (lo, hi int) {
	// Pixel centre s+0.5 lies in [i*src/n, (i+1)*src/n) exactly when
	// s lies in [ceil(i*src/n - 0.5), ceil((i+1)*src/n - 0.5)); with
	// integers: ceil((2*i*src - n) / (2n)).
	lo = ceilDiv(2*i*src-n, 2*n)
	hi = ceilDiv(2*(i+1)*src-n, 2*n)
	lo = max(lo, 0)
	hi = min(hi, src)
	if hi <= lo {
		centre := min((2*i+1)*src/(2*n), src-1)
		return centre, centre + 1
	}
	return lo, hi
}

func ceilDiv(a, b int) int {
	if a <= 0 {
		return -(-a / b)
	}
	return (a + b - 1) / b
}

// invertIfLight flips gray pixels (v to 1-v) when the image's border is
// brighter on average than its centre: MNIST digits are light on a dark
// background, while photographed or drawn digits are usually dark on light.
func invertIfLight(pixels []float32, h, w int) bool {
	var border, centre float64
	var nBorder, nCentre int
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := float64(pixels[y*w+x])
			if y == 0 || x == 0 || y == h-1 || x == w-1 {
				border += v
				nBorder++
			} else {
				centre += v
				nCentre++
			}
		}
	}
	if nCentre == 0 || border/float64(nBorder) <= centre/float64(nCentre) {
		return false
	}
	invert(pixels)
	return true
}

func invert(pixels []float32) {
	for i, v := range pixels {
		pixels[i] = 1 - v
	}
}
