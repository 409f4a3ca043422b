package clerk

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"parityrail/partition"
)

// uncappedCursors is how many cursors walk the users when no cap is set
// (loopback benchmarks); maxCursors bounds them (1 s a page at 1000
// requests / 10 s is 100 in flight, more than Clerk answers well).
const (
	uncappedCursors = 6
	maxCursors      = 32
)

// firstPages is how many pages the plain list reads before it may be cut:
// a list that ends within them costs the minimum requests, and the pages
// read say how dense the users are before any window is guessed (three,
// as for Stripe, left too few cursors walking at 100 ms a page).
const firstPages = 2

// ListUsers streams every user to fn, 500 per request, oldest first, paged
// with the starting_after cursor as Clerk's API description recommends
// (a large offset walks and discards every row before it and eventually
// times out). A long list is read as several cursors at once, each over
// its own created_at window (created_at_after / created_at_before, in
// milliseconds), cut where the first pages show users are dense, as many
// as the budget's rate times Clerk's latency keeps busy. The first cursor
// is the plain list, so a list that fits a page or two costs what it
// always did. Ascending created_at means users who sign up during the walk
// land in the last, open window and are read too. It never calls
// /users/count: a page shorter than the limit is the end of its window.
// fn is called one user at a time, in creation order; an error from it
// stops the walk and is returned as is.
func (c *Client) ListUsers(ctx context.Context, fn func(User) error) error {
	return c.listUsers(ctx, false, fn)
}

// StreamUsers reads every user like ListUsers but hands each window's
// users to fn as its pages arrive, in no particular order, still one call
// at a time: for a caller that does not need creation order (a full check
// spills to a scratch table), so pages read ahead of the oldest window
// don't wait in memory for it.
func (c *Client) StreamUsers(ctx context.Context, fn func(User) error) error {
	return c.listUsers(ctx, true, fn)
}

func (c *Client) listUsers(ctx context.Context, unordered bool, fn func(User) error) error {
	l := &partition.Lister[User]{
		Unordered: unordered,
		PageSize:  pageSize,
		Cursors:   c.cursors,
		// Where the list ends is guessed from what its first pages show,
		// as for Stripe: the users of a real instance were mostly created
		// long before the read, so "now" as the end of the open window
		// cut it into windows that came back empty (25 requests for 2,000
		// users created a year ago, 5 needed). Users who sign up during
		// the read land past the last guessed window, in the open one that
		// is read last, as one cursor would read them.
		FirstPages: firstPages,
		// No user was created after the read began but those who sign up
		// during it: guessed windows stop here, the open one takes the rest.
		Edge: time.Now().UnixMilli(),
		Emit: func(users []User) error {
			for _, u := range users {
				if err := fn(u); err != nil {
					return err
				}
			}
			return nil
		},
		Fetch: c.usersPage,
	}
	st, err := l.Run(ctx)
	if c.onList != nil {
		c.onList(st)
	}
	return err
}

// usersPage reads one page of the users created in r (milliseconds
// [From, To)). Clerk reads both bounds strictly: created_at_after From-1,
// created_at_before To.
func (c *Client) usersPage(ctx context.Context, r partition.Range, cursor string) (partition.Page[User], error) {
	q := url.Values{"limit": {strconv.Itoa(pageSize)}, "order_by": {"created_at"}}
	if r.From != partition.NoStart {
		q.Set("created_at_after", strconv.FormatInt(r.From-1, 10))
	}
	if r.To != partition.NoEnd {
		q.Set("created_at_before", strconv.FormatInt(r.To, 10))
	}
	if cursor != "" {
		q.Set("starting_after", cursor)
	}
	// decodeUsers checks the JSON itself: no need for the SDK to scan it.
	data, err := c.getRaw(ctx, "/users", q, "users")
	if err != nil {
		return partition.Page[User]{}, err
	}
	users, err := c.decodeUsers(data)
	if err != nil {
		return partition.Page[User]{}, err
	}
	pg := partition.Page[User]{Items: users, Keys: make([]int64, len(users)), More: len(users) >= pageSize}
	for i, u := range users {
		pg.Keys[i] = u.CreatedAt.UnixMilli()
	}
	if n := len(users); n > 0 {
		pg.Cursor = users[n-1].ID
		if pg.More && (pg.Cursor == cursor || pg.Cursor == "") {
			// A server ignoring the cursor would otherwise loop forever.
			return pg, c.badResponse("users", fmt.Errorf("cursor did not advance past %q", cursor))
		}
	}
	return pg, nil
}

// cursors is how many cursors may walk the users at once: the requests in
// flight that keep the budget busy at Clerk's latency (Little's law).
func (c *Client) cursors() int {
	perSecond := float64(c.budget.Limit())
	if c.budget.Limit() == rate.Inf {
		return uncappedCursors
	}
	rtt := c.rtt.Get().Seconds()
	return int(min(maxCursors, max(2, math.Ceil(perSecond*rtt)+1)))
}
