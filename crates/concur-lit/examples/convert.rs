//! Converts a bibliographic file to RIS, CSV or JSON Lines (a small demonstration of the writers).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (input, format) = (
        args.next().ok_or("usage: convert FILE ris|csv|jsonl")?,
        args.next().ok_or("format")?,
    );
    let format = concur_lit::OutFormat::parse(&format).ok_or("unknown output format")?;
    let mut records = Vec::new();
    concur_lit::read_file(
        std::path::Path::new(&input),
        &concur_lit::ReadOptions::default(),
        &mut |i| match i {
            concur_lit::Item::Record(r) => records.push(*r),
            concur_lit::Item::Rejected(p) | concur_lit::Item::Repaired(p) => {
                eprintln!("{input}: {p}")
            }
            concur_lit::Item::Delete(_) => {}
        },
    )?;
    let _ = concur_lit::write_records(std::io::stdout().lock(), format, &records)?;
    Ok(())
}
