#![no_main]
rodtrad_fuzz::target!(|data| rodtrad_fuzz::u4ssc_csv(data));
