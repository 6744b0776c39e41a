// Command chaos runs the fault experiments of package faults at full
// size (300 messages/s for 60 s by default) and prints the Markdown
// table recorded in docs/benchmarks.md ("Faults"). Run it from inside
// the repository (it builds cmd/gateway):
//
//	flock /work/wt/cpu.lock go run ./cmd/chaos                 # every experiment
//	go run ./cmd/chaos -only provider503,slow -rate 300 -duration 60s
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"time"

	"safecontact/faults"
)

func main() {
	cfg := faults.Full()
	only := flag.String("only", "", "comma-separated experiments (default all: "+strings.Join(faults.Experiments, ",")+")")
	flag.Float64Var(&cfg.Rate, "rate", cfg.Rate, "messages offered per second")
	flag.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long load is offered")
	flag.DurationVar(&cfg.FaultAt, "fault-at", cfg.FaultAt, "when the fault starts, from the start of the load")
	flag.DurationVar(&cfg.NATSDown, "nats-down", cfg.NATSDown, "NATS stopped for this long")
	flag.DurationVar(&cfg.ProviderDown, "provider-down", cfg.ProviderDown, "provider answers 503 for this long")
	flag.DurationVar(&cfg.SlowFor, "slow-for", cfg.SlowFor, "provider answers after the client's timeout for this long")
	flag.DurationVar(&cfg.HangFor, "hang-for", cfg.HangFor, "provider never answers for this long")
	flag.DurationVar(&cfg.DropFor, "drop-for", cfg.DropFor, "status callbacks dropped for this long")
	flag.DurationVar(&cfg.ReconcileSentAfter, "reconcile-sent-after", cfg.ReconcileSentAfter, "the gateway's GATEWAY_RECONCILE_SENT_AFTER (and a tenth of it between passes); 0 = its default, 2m")
	flag.DurationVar(&cfg.KillDown, "kill-down", cfg.KillDown, "kill: the gateway is restarted this long after the SIGKILL (0: at once)")
	flag.DurationVar(&cfg.KillDrop, "kill-drop", cfg.KillDrop, "kill: status callbacks are dropped from this long before the SIGKILL until the gateway is back (0: none)")
	flag.DurationVar(&cfg.AnswerDelay, "answer-delay", cfg.AnswerDelay, "the provider answers each message create this long after creating it (0: at once)")
	flag.DurationVar(&cfg.TwilioTimeout, "twilio-timeout", cfg.TwilioTimeout, "the gateway's TWILIO_TIMEOUT; 0 = its default")
	flag.DurationVar(&cfg.Drain, "drain", cfg.Drain, "longest wait after the load for messages to settle")
	flag.DurationVar(&cfg.Stall, "stall", cfg.Stall, "the drain ends when nothing changed for this long")
	flag.IntVar(&cfg.Participants, "participants", cfg.Participants, "participants the messages are spread over")
	keep := flag.Bool("keep", false, "keep the work directory (gateway logs, PostgreSQL log)")
	flag.Parse()
	cfg.Log = os.Stderr
	names := faults.Experiments
	if *only != "" {
		names = strings.Split(*only, ",")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := os.MkdirTemp("", "chaos-")
	if err != nil {
		fail(err)
	}
	if *keep {
		fmt.Fprintln(os.Stderr, "work directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	s, err := faults.NewSuite(ctx, cfg, dir)
	if err != nil {
		fail(err)
	}
	defer s.Close()
	load0 := loadavg()
	var results []*faults.Result
	for _, name := range names {
		r, err := s.Run(ctx, strings.TrimSpace(name))
		if err != nil {
			fmt.Fprintln(os.Stderr, "chaos:", err)
			continue
		}
		results = append(results, r)
	}
	answer := ""
	if cfg.AnswerDelay > 0 {
		answer = fmt.Sprintf(", the provider answering each create %s after creating it", cfg.AnswerDelay)
	}
	if cfg.KillDrop > 0 {
		answer += fmt.Sprintf(", kill dropping callbacks from %s before the SIGKILL until the restart", cfg.KillDrop)
	}
	if cfg.KillDown > 0 {
		answer += fmt.Sprintf(", kill restarting the gateway %s after the SIGKILL", cfg.KillDown)
	}
	fmt.Printf("\n%s, code %s, %d CPUs, load average at start %s, at end %s; %.0f messages/s offered for %s, fault at %s%s\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), commit(), runtime.NumCPU(), load0, loadavg(), cfg.Rate, cfg.Duration, cfg.FaultAt, answer)
	faults.TableHeader(os.Stdout)
	for _, r := range results {
		r.Row(os.Stdout)
	}
	fmt.Println()
	for _, r := range results {
		r.Details(os.Stdout)
	}
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func commit() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "chaos:", err)
	os.Exit(1)
}
