#![no_main]
rodtrad_fuzz::target!(|data| rodtrad_fuzz::regions_csv(data));
