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
        // BinaryHeap is a max-heap: reverse so the earliest (time, seq) is on top.
        (o.time, o.seq).cmp(&(self.time, self.seq))
    }
}

pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
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

    /// Removes the next event and advances the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        let e = self.heap.pop()?;
        debug_assert!(e.time >= self.now, "time went backwards");
        self.now = e.time;
        self.processed += 1;
        Some((e.time, e.event))
    }

    pub fn peek_time(&self) -> Option<Nanos> {
        self.heap.peek().map(|e| e.time)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
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
