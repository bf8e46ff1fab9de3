//! Everything that leaves Rødtråd as a file. For now: CSV tables (audit log export).

/// Writes a table as CSV with a header row, in UTF-8 with a BOM so spreadsheet programs
/// used in Norwegian municipalities open æ, ø and å correctly.
pub fn csv_table(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, csv::Error> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(&mut out);
        writer.write_record(header)?;
        for row in rows {
            writer.write_record(row)?;
        }
        writer.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_separators_and_keeps_norwegian_letters() {
        let bytes = csv_table(&["navn", "notat"], &[vec!["Bjørnstad; Ås".into(), "sa \"hei\"".into()]]).unwrap();
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "navn;notat\n\"Bjørnstad; Ås\";\"sa \"\"hei\"\"\"\n");
    }
}
