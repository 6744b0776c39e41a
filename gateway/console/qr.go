package console

import (
	"fmt"
	"html/template"
	"image/color"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// qrSVG draws content as a QR code in inline SVG: one path of unit
// squares with a four-module quiet zone. Inline SVG rather than a PNG in a
// data: URL or an image route: the otpauth URL carries her secret, so it
// stays in this one no-store response, and presentation attributes (fill)
// need no inline style under the Content-Security-Policy.
func qrSVG(content, label string) (template.HTML, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return "", err
	}
	n := code.Bounds().Dx()
	var d strings.Builder
	for y := range n {
		for x := range n {
			if g := color.GrayModel.Convert(code.At(x, y)).(color.Gray); g.Y < 128 {
				fmt.Fprintf(&d, "M%d %dh1v1h-1z", x+4, y+4)
			}
		}
	}
	size := n + 8
	return template.HTML(fmt.Sprintf(
		`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		size, size, template.HTMLEscapeString(label), size, size, d.String())), nil
}
