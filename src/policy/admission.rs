//! Queue admission, pure: given what a queue holds and what arrives, take it, make the caller
//! wait, or refuse it with a reason. The stages keep the queues; these rules say what enters.
//!
//! | rule | whose | used by |
//! |---|---|---|
//! | [`sending_queue`], [`queue_size`] | OTel Collector exporterhelper's sending queue (requests, items and bytes sizers; `block_on_overflow`) | `pipeline/otelcol.rs` |
//! | [`bsp_enqueue`] | the SDKs' BatchSpanProcessor (Go, Rust and Java drop the new span; Python's deque the oldest) | `pipeline/tracer.rs` |
//!
//! The Jaeger v1 collector's bounded queue (`BoundedQueue.Produce`: refuse when full) stays
//! inline in its span path, which splits chunks at the room left (`pipeline/jaeger.rs`).

use crate::metrics::DropReason;
use crate::scenario::raw::QueueSizer;
use std::collections::VecDeque;

/// What an arrival at a queue gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    /// It enters the queue.
    Enqueue,
    /// The caller waits until it fits (it counts nowhere yet).
    Block,
    /// It is refused, and the caller gets this error.
    Refuse(DropReason),
}

/// How much of a sending queue's capacity a request of `spans` spans and `wire` bytes takes.
pub fn queue_size(sizer: QueueSizer, spans: u64, wire: u64) -> u64 {
    match sizer {
        QueueSizer::Requests => 1,
        QueueSizer::Items => spans,
        QueueSizer::Bytes => wire,
    }
}

/// exporterhelper's sending queue offered a request of `size` with `used` of `cap` taken:
/// larger than the whole queue is refused whatever it holds (`PayloadTooLarge`); a full
/// queue makes the caller wait with `block_on_overflow`, else refuses it (`QueueFull`).
pub fn sending_queue(size: u64, used: u64, cap: u64, block_on_overflow: bool) -> Admit {
    if size > cap {
        Admit::Refuse(DropReason::PayloadTooLarge)
    } else if used + size <= cap {
        Admit::Enqueue
    } else if block_on_overflow {
        Admit::Block
    } else {
        Admit::Refuse(DropReason::QueueFull)
    }
}

/// BatchSpanProcessor `OnEnd`: queues `span` in a queue of capacity `cap`. When full, Go,
/// Rust and Java drop the new span; Python's deque drops the oldest. Returns the dropped span.
pub fn bsp_enqueue<T>(queue: &mut VecDeque<T>, cap: u64, drop_oldest: bool, span: T) -> Option<T> {
    if (queue.len() as u64) < cap {
        queue.push_back(span);
        return None;
    }
    if drop_oldest && cap > 0 {
        let old = queue.pop_front();
        queue.push_back(span);
        old
    } else {
        Some(span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sending_queue_takes_blocks_or_refuses() {
        use Admit::*;
        use DropReason::*;
        // (size, used, cap, block_on_overflow) -> what the request gets
        let table = [
            ((1, 0, 10, false), Enqueue),
            ((4, 6, 10, false), Enqueue),
            ((5, 6, 10, false), Refuse(QueueFull)),
            ((5, 6, 10, true), Block),
            ((11, 0, 10, true), Refuse(PayloadTooLarge)),
            ((11, 0, 10, false), Refuse(PayloadTooLarge)),
            ((10, 0, 10, false), Enqueue),
        ];
        for ((size, used, cap, block), want) in table {
            assert_eq!(
                sending_queue(size, used, cap, block),
                want,
                "{size} into {used}/{cap}"
            );
        }
    }

    #[test]
    fn sizers_count_requests_spans_or_bytes() {
        assert_eq!(queue_size(QueueSizer::Requests, 100, 84_500), 1);
        assert_eq!(queue_size(QueueSizer::Items, 100, 84_500), 100);
        assert_eq!(queue_size(QueueSizer::Bytes, 100, 84_500), 84_500);
    }

    #[test]
    fn bsp_drops_the_new_span_or_python_the_oldest() {
        let mut q = VecDeque::new();
        assert_eq!(bsp_enqueue(&mut q, 2, false, 1), None);
        assert_eq!(bsp_enqueue(&mut q, 2, false, 2), None);
        // Go, Rust, Java: the new span is dropped, the queue is unchanged.
        assert_eq!(bsp_enqueue(&mut q, 2, false, 3), Some(3));
        assert_eq!(q, [1, 2]);
        // Python's deque(maxlen): the oldest goes, the new one is queued.
        assert_eq!(bsp_enqueue(&mut q, 2, true, 3), Some(1));
        assert_eq!(q, [2, 3]);
        // A zero-capacity queue drops everything, whatever the policy.
        let mut z = VecDeque::new();
        assert_eq!(bsp_enqueue(&mut z, 0, true, 7), Some(7));
        assert!(z.is_empty());
    }
}
