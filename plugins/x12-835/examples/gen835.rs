// TEMPORARY (removed before hand-off).
fn main() {
    let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let b = x12_835::generate::synthetic_835(n, 2024);
    std::fs::write("/tmp/gen835.x12", &b).unwrap();
    let t = std::time::Instant::now();
    let out = x12_835::parse_bytes("g", &b).unwrap();
    println!("{} bytes, {} events, parse {:?}", b.len(), out.events.len(), t.elapsed());
}
