package gateway

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics carry routes, codes and counts: never a participant code, a
// phone number or a body.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// forgedWebhooks counts callbacks refused for a bad signature.
	forgedWebhooks prometheus.Counter
	// authFailures counts refused authentications (unauthorized) and
	// requests refused for too many of them (throttled).
	authFailures *prometheus.CounterVec
	// redecided counts accepts decided again on fresh data (the
	// message service's Redecided hook).
	redecided prometheus.Counter
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "safecontact_http_requests_total",
			Help: "HTTP requests by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "safecontact_http_request_duration_seconds",
			Help:    "HTTP request latency by route template.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method"}),
	}
	m.forgedWebhooks = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "safecontact_webhook_signature_failures_total",
		Help: "Provider webhooks refused because the signature did not verify.",
	})
	m.redecided = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "safecontact_accept_redecided_total",
		Help: "Message requests decided again on a fresh read: the cached participant data had changed, or did not allow the message.",
	})
	m.authFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "safecontact_auth_failures_total",
		Help: "API authentications refused (result=unauthorized) and requests refused because their address failed too often (result=throttled).",
	}, []string{"result"})
	reg.MustRegister(m.requests, m.latency, m.forgedWebhooks, m.redecided, m.authFailures)
	return m
}

// observe counts one request (httpx.AccessLog calls it).
func (m *metrics) observe(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}
