package templates

import "math/bits"

// sortByStart sorts candidates by start exactly as
// slices.SortFunc(cs, byStart) does, without a function call per
// comparison: the code below is the standard library's pattern-defeating
// quicksort (slices/zsortanyfunc.go, Go 1.26) with the comparison
// written out. Its order matters, not only its speed: the sort is not
// stable, and which of the candidates of one start comes first decides
// the sentence contextFindings reads, so a different algorithm (even a
// stable one) could change the findings. TestSortByStart checks the
// permutation against slices.SortFunc.
func sortByStart(cs []cand) {
	pdqsortByStart(cs, 0, len(cs), bits.Len(uint(len(cs))))
}

type sortedHint int // hint for pdqsort when choosing the pivot

const (
	unknownHint sortedHint = iota
	increasingHint
	decreasingHint
)

type xorshift uint64

func (r *xorshift) Next() uint64 {
	*r ^= *r << 13
	*r ^= *r >> 7
	*r ^= *r << 17
	return uint64(*r)
}

func nextPowerOfTwo(length int) uint {
	return 1 << bits.Len(uint(length))
}

// insertionSortByStart sorts data[a:b] using insertion sort.
func insertionSortByStart(data []cand, a, b int) {
	for i := a + 1; i < b; i++ {
		for j := i; j > a && (data[j].s < data[j-1].s); j-- {
			data[j], data[j-1] = data[j-1], data[j]
		}
	}
}

// siftDownByStart implements the heap property on data[lo:hi].
// first is an offset into the array where the root of the heap lies.
func siftDownByStart(data []cand, lo, hi, first int) {
	root := lo
	for {
		child := 2*root + 1
		if child >= hi {
			break
		}
		if child+1 < hi && (data[first+child].s < data[first+child+1].s) {
			child++
		}
		if !(data[first+root].s < data[first+child].s) {
			return
		}
		data[first+root], data[first+child] = data[first+child], data[first+root]
		root = child
	}
}

func heapSortByStart(data []cand, a, b int) {
	first := a
	lo := 0
	hi := b - a

	// Build heap with greatest element at top.
	for i := (hi - 1) / 2; i >= 0; i-- {
		siftDownByStart(data, i, hi, first)
	}

	// Pop elements, largest first, into end of data.
	for i := hi - 1; i >= 0; i-- {
		data[first], data[first+i] = data[first+i], data[first]
		siftDownByStart(data, lo, i, first)
	}
}

// pdqsortByStart sorts data[a:b].
// The algorithm based on pattern-defeating quicksort(pdqsort), but without the optimizations from BlockQuicksort.
// pdqsort paper: https://arxiv.org/pdf/2106.05123.pdf
// C++ implementation: https://github.com/orlp/pdqsort
// Rust implementation: https://docs.rs/pdqsort/latest/pdqsort/
// limit is the number of allowed bad (very unbalanced) pivots before falling back to heapsort.
func pdqsortByStart(data []cand, a, b, limit int) {
	const maxInsertion = 12

	var (
		wasBalanced    = true // whether the last partitioning was reasonably balanced
		wasPartitioned = true // whether the slice was already partitioned
	)

	for {
		length := b - a

		if length <= maxInsertion {
			insertionSortByStart(data, a, b)
			return
		}

		// Fall back to heapsort if too many bad choices were made.
		if limit == 0 {
			heapSortByStart(data, a, b)
			return
		}

		// If the last partitioning was imbalanced, we need to breaking patterns.
		if !wasBalanced {
			breakPatternsByStart(data, a, b)
			limit--
		}

		pivot, hint := choosePivotByStart(data, a, b)
		if hint == decreasingHint {
			reverseRangeByStart(data, a, b)
			// The chosen pivot was pivot-a elements after the start of the array.
			// After reversing it is pivot-a elements before the end of the array.
			// The idea came from Rust's implementation.
			pivot = (b - 1) - (pivot - a)
			hint = increasingHint
		}

		// The slice is likely already sorted.
		if wasBalanced && wasPartitioned && hint == increasingHint {
			if partialInsertionSortByStart(data, a, b) {
				return
			}
		}

		// Probably the slice contains many duplicate elements, partition the slice into
		// elements equal to and elements greater than the pivot.
		if a > 0 && !(data[a-1].s < data[pivot].s) {
			mid := partitionEqualByStart(data, a, b, pivot)
			a = mid
			continue
		}

		mid, alreadyPartitioned := partitionByStart(data, a, b, pivot)
		wasPartitioned = alreadyPartitioned

		leftLen, rightLen := mid-a, b-mid
		balanceThreshold := length / 8
		if leftLen < rightLen {
			wasBalanced = leftLen >= balanceThreshold
			pdqsortByStart(data, a, mid, limit)
			a = mid + 1
		} else {
			wasBalanced = rightLen >= balanceThreshold
			pdqsortByStart(data, mid+1, b, limit)
			b = mid
		}
	}
}

// partitionByStart does one quicksort partition.
// Let p = data[pivot]
// Moves elements in data[a:b] around, so that data[i]<p and data[j]>=p for i<newpivot and j>newpivot.
// On return, data[newpivot] = p
func partitionByStart(data []cand, a, b, pivot int) (newpivot int, alreadyPartitioned bool) {
	data[a], data[pivot] = data[pivot], data[a]
	i, j := a+1, b-1 // i and j are inclusive of the elements remaining to be partitioned

	for i <= j && (data[i].s < data[a].s) {
		i++
	}
	for i <= j && !(data[j].s < data[a].s) {
		j--
	}
	if i > j {
		data[j], data[a] = data[a], data[j]
		return j, true
	}
	data[i], data[j] = data[j], data[i]
	i++
	j--

	for {
		for i <= j && (data[i].s < data[a].s) {
			i++
		}
		for i <= j && !(data[j].s < data[a].s) {
			j--
		}
		if i > j {
			break
		}
		data[i], data[j] = data[j], data[i]
		i++
		j--
	}
	data[j], data[a] = data[a], data[j]
	return j, false
}

// partitionEqualByStart partitions data[a:b] into elements equal to data[pivot] followed by elements greater than data[pivot].
// It assumed that data[a:b] does not contain elements smaller than the data[pivot].
func partitionEqualByStart(data []cand, a, b, pivot int) (newpivot int) {
	data[a], data[pivot] = data[pivot], data[a]
	i, j := a+1, b-1 // i and j are inclusive of the elements remaining to be partitioned

	for {
		for i <= j && !(data[a].s < data[i].s) {
			i++
		}
		for i <= j && (data[a].s < data[j].s) {
			j--
		}
		if i > j {
			break
		}
		data[i], data[j] = data[j], data[i]
		i++
		j--
	}
	return i
}

// partialInsertionSortByStart partially sorts a slice, returns true if the slice is sorted at the end.
func partialInsertionSortByStart(data []cand, a, b int) bool {
	const (
		maxSteps         = 5  // maximum number of adjacent out-of-order pairs that will get shifted
		shortestShifting = 50 // don't shift any elements on short arrays
	)
	i := a + 1
	for j := 0; j < maxSteps; j++ {
		for i < b && !(data[i].s < data[i-1].s) {
			i++
		}

		if i == b {
			return true
		}

		if b-a < shortestShifting {
			return false
		}

		data[i], data[i-1] = data[i-1], data[i]

		// Shift the smaller one to the left.
		if i-a >= 2 {
			for j := i - 1; j >= 1; j-- {
				if !(data[j].s < data[j-1].s) {
					break
				}
				data[j], data[j-1] = data[j-1], data[j]
			}
		}
		// Shift the greater one to the right.
		if b-i >= 2 {
			for j := i + 1; j < b; j++ {
				if !(data[j].s < data[j-1].s) {
					break
				}
				data[j], data[j-1] = data[j-1], data[j]
			}
		}
	}
	return false
}

// breakPatternsByStart scatters some elements around in an attempt to break some patterns
// that might cause imbalanced partitions in quicksort.
func breakPatternsByStart(data []cand, a, b int) {
	length := b - a
	if length >= 8 {
		random := xorshift(length)
		modulus := nextPowerOfTwo(length)

		for idx := a + (length/4)*2 - 1; idx <= a+(length/4)*2+1; idx++ {
			other := int(uint(random.Next()) & (modulus - 1))
			if other >= length {
				other -= length
			}
			data[idx], data[a+other] = data[a+other], data[idx]
		}
	}
}

// choosePivotByStart chooses a pivot in data[a:b].
//
// [0,8): chooses a static pivot.
// [8,shortestNinther): uses the simple median-of-three method.
// [shortestNinther,∞): uses the Tukey ninther method.
func choosePivotByStart(data []cand, a, b int) (pivot int, hint sortedHint) {
	const (
		shortestNinther = 50
		maxSwaps        = 4 * 3
	)

	l := b - a

	var (
		swaps int
		i     = a + l/4*1
		j     = a + l/4*2
		k     = a + l/4*3
	)

	if l >= 8 {
		if l >= shortestNinther {
			// Tukey ninther method, the idea came from Rust's implementation.
			i = medianAdjacentByStart(data, i, &swaps)
			j = medianAdjacentByStart(data, j, &swaps)
			k = medianAdjacentByStart(data, k, &swaps)
		}
		// Find the median among i, j, k and stores it into j.
		j = medianByStart(data, i, j, k, &swaps)
	}

	switch swaps {
	case 0:
		return j, increasingHint
	case maxSwaps:
		return j, decreasingHint
	default:
		return j, unknownHint
	}
}

// order2ByStart returns x,y where data[x] <= data[y], where x,y=a,b or x,y=b,a.
func order2ByStart(data []cand, a, b int, swaps *int) (int, int) {
	if data[b].s < data[a].s {
		*swaps++
		return b, a
	}
	return a, b
}

// medianByStart returns x where data[x] is the median of data[a],data[b],data[c], where x is a, b, or c.
func medianByStart(data []cand, a, b, c int, swaps *int) int {
	a, b = order2ByStart(data, a, b, swaps)
	b, c = order2ByStart(data, b, c, swaps)
	a, b = order2ByStart(data, a, b, swaps)
	return b
}

// medianAdjacentByStart finds the median of data[a - 1], data[a], data[a + 1] and stores the index into a.
func medianAdjacentByStart(data []cand, a int, swaps *int) int {
	return medianByStart(data, a-1, a, a+1, swaps)
}

func reverseRangeByStart(data []cand, a, b int) {
	i := a
	j := b - 1
	for i < j {
		data[i], data[j] = data[j], data[i]
		i++
		j--
	}
}
