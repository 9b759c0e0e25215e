//! Qflow's signature order, mapped to DocuSign routing orders.
//!
//! Explicit numbers are sequential from the lowest (only their order matters: 3, 7, 3 become
//! 1, 2, 1); signers without a number, or with 0, sign together after the numbered ones; when no
//! signer has a number everyone signs at once.

/// Routing order (1-based) for each of `signer_count` signers.
pub fn routing_orders(signing_order: &[Option<u32>], signer_count: usize) -> Vec<u32> {
    let explicit = |i: usize| signing_order.get(i).copied().flatten().filter(|n| *n > 0);
    let mut distinct: Vec<u32> = (0..signer_count).filter_map(explicit).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let after_all = distinct.len() as u32 + 1;
    (0..signer_count)
        .map(|i| match explicit(i) {
            Some(n) => distinct
                .binary_search(&n)
                .map_or(after_all, |rank| rank as u32 + 1),
            None => after_all,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qflow_examples() {
        // "Person 1" first, then "Person 2" (given 2, or nothing).
        assert_eq!(routing_orders(&[Some(1), Some(2)], 2), [1, 2]);
        assert_eq!(routing_orders(&[Some(1)], 2), [1, 2]);
        assert_eq!(routing_orders(&[Some(1), None], 2), [1, 2]);
        // Only "Person 2" numbered: the first order is left empty.
        assert_eq!(routing_orders(&[None, Some(1)], 2), [2, 1]);
        // No order at all: everyone at once.
        assert_eq!(routing_orders(&[], 3), [1, 1, 1]);
        assert_eq!(routing_orders(&[None, Some(0), None], 3), [1, 1, 1]);
    }

    #[test]
    fn numbers_are_ranked_and_zero_means_after() {
        assert_eq!(routing_orders(&[Some(3), Some(7), Some(3)], 3), [1, 2, 1]);
        assert_eq!(
            routing_orders(&[Some(0), Some(5), None, Some(2)], 4),
            [3, 2, 3, 1]
        );
        assert_eq!(routing_orders(&[Some(10), Some(20)], 3), [1, 2, 3]);
    }
}
