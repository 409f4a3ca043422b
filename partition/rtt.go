package partition

import (
	"sync/atomic"
	"time"
)

// RTT is a moving average of how long a source takes to answer one page:
// with the request budget it tells how many cursors keep the budget busy.
type RTT struct{ avg atomic.Int64 }

// Observe folds one answer's latency into the average (a quarter weight,
// so one slow page does not swing it).
func (r *RTT) Observe(d time.Duration) {
	for {
		old := r.avg.Load()
		next := int64(d)
		if old != 0 {
			next = old + (int64(d)-old)/4
		}
		if r.avg.CompareAndSwap(old, next) {
			return
		}
	}
}

// Get is the average so far (0 before the first answer).
func (r *RTT) Get() time.Duration { return time.Duration(r.avg.Load()) }
