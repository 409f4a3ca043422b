// Package metrics is ParityRail's Prometheus surface: what an operator
// alerts on (checks failing or going stale, incidents piling up, webhooks
// refused). Label values are bounded — project ids, scopes, kinds, event
// types — never customer ids.
package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// OpenIncidents counts the open incidents per project, kind and severity at
// scrape time (the database is the truth; nothing is cached here).
type OpenIncidents func(ctx context.Context) ([]OpenCount, error)

// OpenCount is one row of OpenIncidents.
type OpenCount struct {
	Project, Kind, Severity string
	Count                   int
}

// Metrics holds every collector; its methods are safe on a nil *Metrics so
// callers need no checks when metrics are off.
type Metrics struct {
	Registry       *prometheus.Registry
	checkDuration  *prometheus.HistogramVec
	checks         *prometheus.CounterVec
	lastSuccess    *prometheus.GaugeVec
	sourceRequests *prometheus.CounterVec
	webhookEvents  *prometheus.CounterVec
	deliveries     *prometheus.CounterVec
	rateLimited    *prometheus.CounterVec
}

// New registers ParityRail's metrics, the Go runtime and process collectors,
// and the open-incident gauge read through open.
func New(open OpenIncidents) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		checkDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "parityrail_check_duration_seconds",
			Help:    "How long checks took, by project, scope (full, recent, customer) and status (finished, failed).",
			Buckets: []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600},
		}, []string{"project", "scope", "status"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parityrail_checks_total",
			Help: "Checks that ended, by project, scope and status.",
		}, []string{"project", "scope", "status"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "parityrail_last_check_success_timestamp_seconds",
			Help: "When the project's last full check finished successfully (Unix time); alert when it grows old.",
		}, []string{"project"}),
		sourceRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parityrail_source_requests_total",
			Help: "HTTP requests made to sources, by source (stripe, clerk) and status class (2xx, 3xx, 4xx, 5xx, or error when nothing answered).",
		}, []string{"source", "status_class"}),
		webhookEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parityrail_webhook_events_total",
			Help: "Stripe webhook deliveries, by event type and result (acted_on, ignored, refused).",
		}, []string{"type", "result"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parityrail_notification_deliveries_total",
			Help: "Notification delivery attempts, by channel kind (slack, email, webhook) and result (delivered, retrying, failed).",
		}, []string{"channel_kind", "result"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parityrail_source_rate_limited_total",
			Help: "Requests a source answered 429 (rate limited), by source; on Stripe each halves the project's budget for 10 s.",
		}, []string{"source"}),
	}
	m.Registry.MustRegister(m.checkDuration, m.checks, m.lastSuccess, m.sourceRequests, m.webhookEvents, m.deliveries, m.rateLimited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		openIncidents{open: open, desc: prometheus.NewDesc("parityrail_incidents_open",
			"Open access incidents (not resolved, not ignored), by project, kind and severity.",
			[]string{"project", "kind", "severity"}, nil)})
	return m
}

// CheckEnded records one check's end.
func (m *Metrics) CheckEnded(project, scope, status string, took time.Duration, at time.Time) {
	if m == nil {
		return
	}
	m.checkDuration.WithLabelValues(project, scope, status).Observe(took.Seconds())
	m.checks.WithLabelValues(project, scope, status).Inc()
	if status == "finished" && scope == "full" {
		m.lastSuccess.WithLabelValues(project).Set(float64(at.Unix()))
	}
}

// SourceResponse records one request to a source by its status class.
func (m *Metrics) SourceResponse(source string, status int) {
	if m == nil {
		return
	}
	class := "error"
	if status >= 100 && status < 600 {
		class = fmt.Sprintf("%dxx", status/100)
	}
	m.sourceRequests.WithLabelValues(source, class).Inc()
	if status == 429 {
		m.rateLimited.WithLabelValues(source).Inc()
	}
}

// WebhookEvent records one Stripe delivery. Types come from Stripe's fixed
// list; anything else is counted as "other" so a forger cannot grow labels.
func (m *Metrics) WebhookEvent(eventType, result string) {
	if m == nil {
		return
	}
	if len(eventType) > 64 || eventType == "" {
		eventType = "other"
	}
	m.webhookEvents.WithLabelValues(eventType, result).Inc()
}

// NotificationDelivery records one delivery attempt.
func (m *Metrics) NotificationDelivery(kind, result string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(kind, result).Inc()
}

type openIncidents struct {
	open OpenIncidents
	desc *prometheus.Desc
}

func (o openIncidents) Describe(ch chan<- *prometheus.Desc) { ch <- o.desc }

func (o openIncidents) Collect(ch chan<- prometheus.Metric) {
	if o.open == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := o.open(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(o.desc, err)
		return
	}
	for _, r := range rows {
		ch <- prometheus.MustNewConstMetric(o.desc, prometheus.GaugeValue, float64(r.Count), r.Project, r.Kind, r.Severity)
	}
}
