//! The future event list.
//!
//! Events are ordered by (time, sequence number): the sequence number is assigned when an
//! event is scheduled, so events due at the same nanosecond run in the order they were
//! scheduled (FIFO). That rule makes runs deterministic without random tie-breaking, and it
//! is what the models rely on (e.g. a sample scheduled before an arrival at the same instant
//! sees the state before that arrival).
//!
//! Scheduling happens only by a non-negative delay from `now`, so an event can never be put
//! in the past. Cancellation is lazy: handlers carry an epoch and ignore stale events.
//!
//! A source that always has exactly one event pending (the workload's next arrival, the most
//! frequent event of a run) can use the *lane*: one slot beside the heap, compared with the
//! heap's top on every pop. It takes its sequence number from the same counter, so the order
//! is exactly what the heap alone would give; it only saves a push and a pop per event.

use super::Nanos;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    time: Nanos,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, o: &Self) -> bool {
        self.time == o.time && self.seq == o.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, o: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse so the earliest (time, seq) is on top. Compared
        // as one 128-bit key: branch-free, and the sift loops are the event list's cost.
        let key = |e: &Self| ((e.time as u128) << 64) | e.seq as u128;
        key(o).cmp(&key(self))
    }
}

pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    lane: Option<Entry<E>>,
    now: Nanos,
    seq: u64,
    processed: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(1024),
            lane: None,
            now: 0,
            seq: 0,
            processed: 0,
        }
    }

    /// Current simulated time: the time of the event being handled.
    #[inline]
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Schedules `event` at `now + delay` (saturating at the end of time).
    #[inline]
    pub fn schedule_in(&mut self, delay: Nanos, event: E) {
        let time = self.now.saturating_add(delay);
        self.seq += 1;
        self.heap.push(Entry {
            time,
            seq: self.seq,
            event,
        });
    }

    /// Schedules at an absolute time that is not in the past (clamped to now otherwise, which
    /// callers avoid by construction; a debug build asserts it).
    #[inline]
    pub fn schedule_at(&mut self, time: Nanos, event: E) {
        debug_assert!(time >= self.now, "scheduling in the past");
        let delay = time.saturating_sub(self.now);
        self.schedule_in(delay, event);
    }

    /// Puts `event` in the lane at `time` (not in the past). The lane must be empty: it
    /// holds the one pending event of a source that schedules its next event as it handles
    /// the current one.
    #[inline]
    pub fn schedule_lane_at(&mut self, time: Nanos, event: E) {
        debug_assert!(time >= self.now, "scheduling in the past");
        assert!(self.lane.is_none(), "the lane holds one event");
        self.seq += 1;
        self.lane = Some(Entry {
            time: time.max(self.now),
            seq: self.seq,
            event,
        });
    }

    /// Removes the next event and advances the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        let from_heap = match (&self.lane, self.heap.peek()) {
            (Some(l), Some(h)) => (h.time, h.seq) < (l.time, l.seq),
            (Some(_), None) => false,
            (None, _) => true,
        };
        let e = if from_heap {
            self.heap.pop()?
        } else {
            self.lane.take().expect("checked")
        };
        debug_assert!(e.time >= self.now, "time went backwards");
        self.now = e.time;
        self.processed += 1;
        Some((e.time, e.event))
    }

    pub fn peek_time(&self) -> Option<Nanos> {
        let h = self.heap.peek().map(|e| e.time);
        match (&self.lane, h) {
            (Some(l), Some(h)) => Some(l.time.min(h)),
            (Some(l), None) => Some(l.time),
            (None, h) => h,
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len() + usize::from(self.lane.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Events handled so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_run_first_in_first_out() {
        let mut q = EventQueue::new();
        q.schedule_in(10, 'b');
        q.schedule_in(5, 'a');
        q.schedule_in(10, 'c');
        q.schedule_in(10, 'd');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['a', 'b', 'c', 'd']);
        assert_eq!(q.now(), 10);
    }

    /// The lane gives exactly the order the heap alone gives, ties included.
    #[test]
    fn the_lane_keeps_the_heap_order() {
        use rand::Rng;
        let mut rng = crate::sim::Streams::from_u64(11);
        let mut with_lane: EventQueue<(bool, u32)> = EventQueue::new();
        let mut heap_only: EventQueue<(bool, u32)> = EventQueue::new();
        with_lane.schedule_lane_at(3, (true, 0));
        heap_only.schedule_at(3, (true, 0));
        let mut k = 0;
        for _ in 0..20_000 {
            let a = with_lane.pop().unwrap();
            let b = heap_only.pop().unwrap();
            assert_eq!(a, b);
            let (lane, _) = a.1;
            // Small delays make many ties between the lane and the heap.
            for _ in 0..rng.gen_range(0..3) {
                k += 1;
                let d = rng.gen_range(0..4);
                with_lane.schedule_in(d, (false, k));
                heap_only.schedule_in(d, (false, k));
            }
            if lane {
                k += 1;
                let t = with_lane.now() + rng.gen_range(0..4);
                with_lane.schedule_lane_at(t, (true, k));
                heap_only.schedule_at(t, (true, k));
            }
        }
        assert_eq!(with_lane.len(), heap_only.len());
    }

    #[test]
    fn delays_are_relative_to_the_current_event() {
        let mut q = EventQueue::new();
        q.schedule_in(100, 1);
        let (t, _) = q.pop().unwrap();
        assert_eq!(t, 100);
        q.schedule_in(0, 2);
        q.schedule_in(50, 3);
        assert_eq!(q.pop(), Some((100, 2)));
        assert_eq!(q.pop(), Some((150, 3)));
        assert_eq!(q.processed(), 3);
    }
}
