package templates

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortByStart: sortByStart leaves candidates in the very order
// slices.SortFunc(cs, byStart) does, ties included (each candidate is
// told apart by its end and ts).
func TestSortByStart(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shapes := []func(n int) []cand{
		func(n int) []cand { // random starts, many ties
			cs := make([]cand, n)
			for i := range cs {
				cs[i].s = int32(r.IntN(n/4 + 1))
			}
			return cs
		},
		func(n int) []cand { // nearly sorted, as the scan makes them, then a sorted tail appended
			cs := make([]cand, n)
			for i := range cs {
				cs[i].s = int32(i * 3)
				if r.IntN(50) == 0 {
					cs[i].s -= int32(r.IntN(40))
				}
			}
			tail := n / 6
			for i := n - tail; i < n; i++ {
				cs[i].s = int32(r.IntN(3 * n))
			}
			slices.SortFunc(cs[n-tail:], byStart)
			return cs
		},
		func(n int) []cand { // descending
			cs := make([]cand, n)
			for i := range cs {
				cs[i].s = int32(n - i/2)
			}
			return cs
		},
		func(n int) []cand { // all equal
			return make([]cand, n)
		},
	}
	for _, shape := range shapes {
		for _, n := range []int{0, 1, 2, 5, 12, 13, 49, 50, 51, 200, 1000, 3000} {
			for rep := 0; rep < 5; rep++ {
				cs := shape(n)
				for i := range cs {
					cs[i].e, cs[i].ts, cs[i].cat = cs[i].s+int32(r.IntN(9)), int32(i), uint8(r.IntN(10))
				}
				want := slices.Clone(cs)
				slices.SortFunc(want, byStart)
				sortByStart(cs)
				if !slices.Equal(cs, want) {
					t.Fatalf("n=%d: sortByStart differs from slices.SortFunc", n)
				}
			}
		}
	}
}

// TestMergeSortByStart: the candidates come out sorted by start, the same
// multiset, whatever their shape.
func TestMergeSortByStart(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	key := func(a, b cand) int {
		if a.s != b.s {
			return int(a.s - b.s)
		}
		return int(a.ts - b.ts)
	}
	for _, n := range []int{0, 1, 2, 3, 10, 100, 1000} {
		for rep := 0; rep < 20; rep++ {
			cs := make([]cand, n)
			p := r.IntN(n + 1)
			for i := range cs {
				if i < p {
					cs[i].s = int32(i / 2)
				} else {
					cs[i].s = int32(r.IntN(n + 1))
				}
				cs[i].ts = int32(i)
			}
			want := slices.Clone(cs)
			slices.SortFunc(want, key)
			sc := &scanState{cands: cs}
			sc.mergeSortByStart()
			if !slices.IsSortedFunc(sc.cands, byStart) {
				t.Fatalf("n=%d p=%d: not sorted", n, p)
			}
			got := slices.Clone(sc.cands)
			slices.SortFunc(got, key)
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d p=%d: not the same candidates", n, p)
			}
		}
	}
}
