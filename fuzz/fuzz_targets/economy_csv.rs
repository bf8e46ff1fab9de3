#![no_main]
rodtrad_fuzz::target!(|data| rodtrad_fuzz::economy_csv(data));
