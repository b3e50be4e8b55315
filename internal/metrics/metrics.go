// Package metrics exposes the connector's Prometheus metrics: executes by operation and
// status, their latency, executes in flight, and SentinelOne requests, retries and logins.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
)

// Metrics holds the collectors on a registry of their own.
type Metrics struct {
	registry   *prometheus.Registry
	executes   *prometheus.CounterVec
	execTime   *prometheus.HistogramVec
	inFlight   prometheus.Gauge
	s1Requests *prometheus.CounterVec
	s1Time     *prometheus.HistogramVec
	s1Retries  *prometheus.CounterVec
	s1Logins   *prometheus.CounterVec
}

var (
	_ sentinelone.Observer   = (*Metrics)(nil)
	_ server.ExecuteObserver = (*Metrics)(nil)
)

// New registers the connector's collectors, plus the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		executes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "connector_executes_total", Help: "Executes answered, by operation and FortiSOAR status (Success or failed) and HTTP code.",
		}, []string{"operation", "status", "code"}),
		execTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "connector_execute_duration_seconds", Help: "Time to answer an execute, by operation.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"operation"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "connector_executes_in_flight", Help: "Executes being served now.",
		}),
		s1Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sentinelone_requests_total", Help: "HTTP attempts to SentinelOne, by method, endpoint template and status (0: transport error).",
		}, []string{"method", "endpoint", "status"}),
		s1Time: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sentinelone_request_duration_seconds", Help: "Duration of one HTTP attempt to SentinelOne, by endpoint template.",
			Buckets: prometheus.DefBuckets,
		}, []string{"endpoint"}),
		s1Retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sentinelone_retries_total", Help: "Attempts to SentinelOne repeated, by endpoint template and reason.",
		}, []string{"endpoint", "reason"}),
		s1Logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sentinelone_logins_total", Help: "Logins to SentinelOne, by result (ok or failed).",
		}, []string{"result"}),
	}
	m.registry.MustRegister(m.executes, m.execTime, m.inFlight, m.s1Requests, m.s1Time, m.s1Retries, m.s1Logins,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Registry returns the registry, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// ExecuteStarted implements server.ExecuteObserver.
func (m *Metrics) ExecuteStarted() { m.inFlight.Inc() }

// ExecuteFinished implements server.ExecuteObserver.
func (m *Metrics) ExecuteFinished(operation string, code int, d time.Duration) {
	m.inFlight.Dec()
	if operation == "" {
		operation = "unknown"
	}
	status := "failed"
	if code == http.StatusOK {
		status = "Success"
	}
	m.executes.WithLabelValues(operation, status, strconv.Itoa(code)).Inc()
	m.execTime.WithLabelValues(operation).Observe(d.Seconds())
}

// ObserveRequest implements sentinelone.Observer.
func (m *Metrics) ObserveRequest(method, endpoint string, status int, d time.Duration) {
	m.s1Requests.WithLabelValues(method, endpoint, strconv.Itoa(status)).Inc()
	m.s1Time.WithLabelValues(endpoint).Observe(d.Seconds())
}

// ObserveRetry implements sentinelone.Observer.
func (m *Metrics) ObserveRetry(endpoint, reason string) {
	m.s1Retries.WithLabelValues(endpoint, reason).Inc()
}

// ObserveLogin implements sentinelone.Observer.
func (m *Metrics) ObserveLogin(ok bool) {
	m.s1Logins.WithLabelValues(map[bool]string{true: "ok", false: "failed"}[ok]).Inc()
}
