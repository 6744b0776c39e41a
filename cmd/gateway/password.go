package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"safecontact/gateway/auth/signin"
)

// newPassword is a console password chosen for a user by whoever runs the
// CLI: generated (printed by the caller, once), typed twice at a prompt
// that does not echo when stdin is a terminal, or read from the first line
// of stdin otherwise (scripts: `printf '%s\n' "$PW" | gateway users ...`).
// The password is never logged; the caller prints it only when generated.
func newPassword(in io.Reader, prompt io.Writer, generate bool) (string, error) {
	if generate {
		return signin.GeneratePassword(), nil
	}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		read := func(label string) (string, error) {
			fmt.Fprint(prompt, label)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(prompt)
			return string(b), err
		}
		p1, err := read("console password (at least " + fmt.Sprint(signin.MinPasswordLen) + " characters; she changes it at first sign-in): ")
		if err != nil {
			return "", err
		}
		p2, err := read("again: ")
		if err != nil {
			return "", err
		}
		if p1 != p2 {
			return "", errors.New("the two passwords differ; nothing was changed")
		}
		return p1, nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password: type one at the prompt (a terminal), give one line on standard input, or pass --generate-password")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
