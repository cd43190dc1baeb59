use super::*;

#[test]
fn european_numbers() {
    assert_eq!(european_number("3,5").as_deref(), Some("3.5"));
    assert_eq!(european_number("1.234,50").as_deref(), Some("1234.50"));
    assert_eq!(european_number("1,234.50"), None);
    assert_eq!(european_number("1234"), None);
    let mut c = Column::new(FieldType::Number);
    push_cell(&mut c, "3,5%", &[], true).unwrap();
    push_cell(&mut c, "12.5%", &[], false).unwrap();
    assert_eq!(c.number(0), Some(0.035));
    assert_eq!(c.number(1), Some(0.125));
}

proptest::proptest! {
    /// A run of plain cells stores what the plain path stores cell by
    /// cell, and stops at the first cell it declines.
    #[test]
    fn a_run_of_plain_cells_reads_like_each_cell(cells in proptest::collection::vec("[ ]?[-]?[0-9]{0,4}(\\.[0-9])?%?|2025-0[1-9]-1[0-9]|true|x|", 0..20)) {
        for ty in [FieldType::Text, FieldType::Number, FieldType::Percent, FieldType::Date, FieldType::Bool] {
            let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
            let (mut run, mut each) = (Column::new(ty), Column::new(ty));
            let taken = run.push_plain_run(&cells);
            let one_by_one = cells.iter().take_while(|c| each.push_plain(c)).count();
            proptest::prop_assert_eq!(taken, one_by_one, "{:?} {:?}", ty, cells);
            proptest::prop_assert_eq!(format!("{:?}", run), format!("{:?}", each), "{:?} {:?}", ty, cells);
        }
    }

    /// The plain path stores exactly what the full path would, or
    /// declines the cell.
    #[test]
    fn plain_cells_read_like_any_cell(cell in "[ ]?[-+]?[0-9]{0,17}([.,][0-9]{0,3})?(e[0-9])?[%a-z ]?|[0-9]{4}-[0-9]{2}-[0-9]{2}|n/a|-||[ ]?([tT]rue|TRUE|[fF]alse|FALSE|[tT]ru|yes|0|1|x)[ ]?") {
        for ty in [FieldType::Text, FieldType::Number, FieldType::Date, FieldType::Percent, FieldType::Bool] {
            let mut plain = Column::new(ty);
            let mut full = Column::new(ty);
            let full_result = full.push_text(&cell);
            if plain.push_plain(&cell) {
                proptest::prop_assert!(full_result.is_ok(), "{ty:?} {cell:?}");
                proptest::prop_assert_eq!(format!("{:?}", plain), format!("{:?}", full), "{:?} {:?}", ty, cell);
            }
        }
    }
}
