use super::*;

fn each(ends: &[u32]) -> Ends {
    Ends::Each(ends.to_vec())
}

/// Whether a walk over every cell finds the non-empty ones, as reading
/// row by row does.
fn walks_as_read(e: &Ends) -> bool {
    let mut walked = Vec::new();
    e.each_span(|row, start, end| {
        walked.push((row, start, end));
        true
    });
    let read: Vec<(usize, usize, usize)> = (0..e.len())
        .filter(|r| !e.is_empty_at(*r))
        .filter_map(|r| e.span(r).map(|(start, end)| (r, start, end)))
        .collect();
    walked == read
}

#[test]
fn cells_of_one_width_keep_the_width_and_the_same_spans() {
    let mut ends = each(&[3, 6, 9]);
    let read = |e: &Ends| (0..4).map(|r| (e.span(r), e.is_empty_at(r))).collect::<Vec<_>>();
    let before = read(&ends);
    assert!(walks_as_read(&ends));
    ends.shrink_to_fit();
    assert_eq!(ends, Ends::Fixed { width: 3, len: 3 });
    assert_eq!(read(&ends), before);
    assert!(walks_as_read(&ends));
    assert_eq!(ends.iter().collect::<Vec<_>>(), vec![3, 6, 9]);
    assert_eq!(ends.heap_bytes(), 0);
    assert!(words_as_read(&Ends::Fixed { width: 2, len: 130 }));
}

/// Whether each full word of rows reads as its rows do one by one, and
/// a word past the last full one reads as none.
fn words_as_read(e: &Ends) -> bool {
    (0..e.len() + 64).step_by(64).all(|base| {
        let one_by_one = (0..64).fold(0u64, |bits, b| bits | (u64::from(!e.is_empty_at(base + b)) << b));
        e.filled_word(base) == (base + 64 <= e.len()).then_some(one_by_one)
    })
}

#[test]
fn cells_of_other_widths_or_missing_keep_two_bytes_an_end_per_block() {
    // Three blocks of 256 rows, the last one short, with empty cells.
    let cells: Vec<u32> = (1..=600u32)
        .map(|i| i * 3 - (i % 7 == 0) as u32 * 3 + i / 100)
        .collect();
    let mut cells = cells;
    cells.sort_unstable();
    for cells in [&[3, 6, 10][..], &[3, 3, 6], &[0, 0], &[2, 4, 6, 8, 9], &cells] {
        let mut ends = each(cells);
        let read = |e: &Ends| {
            (0..=cells.len())
                .map(|r| (e.span(r), e.is_empty_at(r)))
                .collect::<Vec<_>>()
        };
        let before = read(&ends);
        assert!(walks_as_read(&ends), "{cells:?}");
        assert!(words_as_read(&ends), "{cells:?}");
        ends.shrink_to_fit();
        assert!(matches!(ends, Ends::Blocked(_)), "{cells:?}");
        assert_eq!(read(&ends), before);
        assert!(walks_as_read(&ends), "{cells:?}");
        assert!(words_as_read(&ends), "{cells:?}");
        assert_eq!(ends.iter().collect::<Vec<_>>(), cells);
        assert_eq!(ends.heap_bytes(), cells.len().div_ceil(BLOCK) * 4 + cells.len() * 2);
    }
    let mut none = each(&[]);
    none.shrink_to_fit();
    assert!(none.is_empty());
}

#[test]
fn a_block_of_more_than_64_kib_of_text_keeps_four_bytes_an_end() {
    let mut ends = each(&[10, 70_000, 70_001]);
    ends.shrink_to_fit();
    assert_eq!(ends, each(&[10, 70_000, 70_001]));
    // A later block may hold it: each is counted from its own start.
    let mut wide: Vec<u32> = (1..=256).collect();
    wide.extend([256 + 65_000, 256 + 65_535]);
    let mut ends = each(&wide);
    ends.shrink_to_fit();
    assert!(matches!(ends, Ends::Blocked(_)));
    assert_eq!(ends.span(257), Some((256 + 65_000, 256 + 65_535)));
}

#[test]
fn stretches_of_one_width_appended_keep_the_width_until_one_differs() {
    let mut ends = Ends::default();
    ends.append(0, &each(&[3, 6]));
    ends.append(6, &each(&[]));
    ends.append(6, &Ends::Fixed { width: 3, len: 1 });
    assert_eq!(ends, Ends::Fixed { width: 3, len: 3 });
    ends.append(9, &each(&[2, 2]));
    assert_eq!(ends, each(&[3, 6, 9, 11, 11]));
    let mut blank = Ends::default();
    blank.append(0, &each(&[0, 0]));
    assert_eq!(blank, each(&[0, 0]));
}

#[test]
fn a_fixed_width_pushed_to_goes_back_to_ends() {
    let mut ends = Ends::Fixed { width: 2, len: 2 };
    ends.push(7);
    assert_eq!(ends, each(&[2, 4, 7]));
    assert!(!ends.is_empty_at(2));
    ends.push(7);
    assert!(ends.is_empty_at(3));
    assert!(ends.is_empty_at(4));
}
