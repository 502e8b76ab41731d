package mnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The idx format stores a big-endian magic number whose low byte is the
// rank (0x08 in the third byte means unsigned bytes), one big-endian
// uint32 per dimension, then the elements in row-major order.
const (
	imagesMagic = 0x00000803 // unsigned bytes, rank 3: count, rows, columns
	labelsMagic = 0x00000801 // unsigned bytes, rank 1: count
)

// maxImages bounds the count read from a header, so that a corrupt file
// cannot make the reader allocate without limit. MNIST has 70,000 images.
const maxImages = 1 << 20

// Images is a set of grayscale images of Rows×Cols pixels, one byte each,
// stored image after image in row-major order.
type Images struct {
	Count, Rows, Cols int
	Pixels            []byte
}

// Image returns the pixels of image i.
func (im *Images) Image(i int) []byte {
	size := im.Rows * im.Cols
	return im.Pixels[i*size : (i+1)*size]
}

// ReadImages reads an idx3-ubyte image file, gzip-compressed or not.
func ReadImages(r io.Reader) (*Images, error) {
	br, err := maybeGunzip(r)
	if err != nil {
		return nil, err
	}
	var header [4]uint32
	if err := binary.Read(br, binary.BigEndian, &header); err != nil {
		return nil, fmt.Errorf("mnist: reading image file header: %w", err)
	}
	if header[0] != imagesMagic {
		return nil, fmt.Errorf("mnist: image file magic number is %#08x, want %#08x", header[0], imagesMagic)
	}
	count, rows, cols := int(header[1]), int(header[2]), int(header[3])
	if count > maxImages || rows > 4096 || cols > 4096 {
		return nil, fmt.Errorf("mnist: image file header declares %d images of %dx%d pixels, over the limit of %d images of up to 4096x4096; the file is likely corrupt", count, rows, cols, maxImages)
	}
	pixels := make([]byte, count*rows*cols)
	if _, err := io.ReadFull(br, pixels); err != nil {
		return nil, fmt.Errorf("mnist: image file is truncated: its header declares %d pixels: %w", len(pixels), err)
	}
	return &Images{Count: count, Rows: rows, Cols: cols, Pixels: pixels}, nil
}

// ReadLabels reads an idx1-ubyte label file, gzip-compressed or not.
func ReadLabels(r io.Reader) ([]byte, error) {
	br, err := maybeGunzip(r)
	if err != nil {
		return nil, err
	}
	var header [2]uint32
	if err := binary.Read(br, binary.BigEndian, &header); err != nil {
		return nil, fmt.Errorf("mnist: reading label file header: %w", err)
	}
	if header[0] != labelsMagic {
		return nil, fmt.Errorf("mnist: label file magic number is %#08x, want %#08x", header[0], labelsMagic)
	}
	if header[1] > maxImages {
		return nil, fmt.Errorf("mnist: label file header declares %d labels, over the limit of %d; the file is likely corrupt", header[1], maxImages)
	}
	labels := make([]byte, header[1])
	if _, err := io.ReadFull(br, labels); err != nil {
		return nil, fmt.Errorf("mnist: label file is truncated: its header declares %d labels: %w", len(labels), err)
	}
	return labels, nil
}

// maybeGunzip returns a reader of r's content, decompressed if it starts
// with the gzip magic bytes.
func maybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("mnist: %w", err)
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("mnist: %w", err)
		}
		return zr, nil
	}
	return br, nil
}
