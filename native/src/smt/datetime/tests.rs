//! Golden cases printed by Java 17 and 25 (`new SimpleDateFormat(pattern)` with the UTC zone, en-US
//! locale and `set2DigitYearStart(1945-12-01T00:00Z)`, one `format`/`parse` per case) and by
//! Connect 4.3's `Values.dateFormatFor(date).format(date)` on a UTC JVM.

// Golden numbers are pasted as Java printed them, so they can be compared by eye with its output.
#![allow(clippy::unreadable_literal)]

use super::*;
use crate::data::calendar;

/// Start of the two-digit-year window the Java program used (1945-12-01T00:00Z).
const WINDOW_START: i64 = -760_060_800_000;

const FORMAT_CASES: &[(&str, i64, &str)] = &[
    ("yyyyMMdd", 0, "19700101"),
    ("yyyyMMdd", 1483425001864, "20170103"),
    ("yyyyMMdd", -1, "19691231"),
    ("yyyyMMdd", 86401234, "19700102"),
    ("yyyyMMdd", -62135769600000, "00010101"),
    ("yyyyMMdd", -12219292800000, "15821015"),
    ("yyyyMMdd", -12219292800001, "15821004"),
    ("yyyyMMdd", 253402300799999, "99991231"),
    ("yyyyMMdd", 951782400000, "20000229"),
    ("yyyyMMdd", -126206856000000, "20310917"),
    ("yyyyMMdd", 9223372036854775807, "2922789940817"),
    ("yyyyMMdd", -9223372036854775808, "2922690551202"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", 0, "1970-01-01T00:00:00.000+0000"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", 1483425001864, "2017-01-03T06:30:01.864+0000"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", -1, "1969-12-31T23:59:59.999+0000"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", 86401234, "1970-01-02T00:00:01.234+0000"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", -62135769600000, "0001-01-01T00:00:00.000+0000"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", -12219292800000, "1582-10-15T00:00:00.000+0000"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", -12219292800001, "1582-10-04T23:59:59.999+0000"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", 253402300799999, "9999-12-31T23:59:59.999+0000"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", 951782400000, "2000-02-29T00:00:00.000+0000"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", -126206856000000, "2031-09-17T12:00:00.000+0000"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", 9223372036854775807, "292278994-08-17T07:12:55.807+0000"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", -9223372036854775808, "292269055-12-02T16:47:04.192+0000"),
    ("yyyy MM dd HH mm ss SSS z", 0, "1970 01 01 00 00 00 000 UTC"),
    ("yyyy MM dd HH mm ss SSS z", 1483425001864, "2017 01 03 06 30 01 864 UTC"),
    ("yyyy MM dd HH mm ss SSS z", -1, "1969 12 31 23 59 59 999 UTC"),
    ("yyyy MM dd HH mm ss SSS z", 86401234, "1970 01 02 00 00 01 234 UTC"),
    ("yyyy MM dd HH mm ss SSS z", -62135769600000, "0001 01 01 00 00 00 000 UTC"),
    ("yyyy MM dd HH mm ss SSS z", -12219292800000, "1582 10 15 00 00 00 000 UTC"),
    ("yyyy MM dd HH mm ss SSS z", -12219292800001, "1582 10 04 23 59 59 999 UTC"),
    ("yyyy MM dd HH mm ss SSS z", 253402300799999, "9999 12 31 23 59 59 999 UTC"),
    ("yyyy MM dd HH mm ss SSS z", 951782400000, "2000 02 29 00 00 00 000 UTC"),
    ("yyyy MM dd HH mm ss SSS z", -126206856000000, "2031 09 17 12 00 00 000 UTC"),
    ("yyyy MM dd HH mm ss SSS z", 9223372036854775807, "292278994 08 17 07 12 55 807 UTC"),
    ("yyyy MM dd HH mm ss SSS z", -9223372036854775808, "292269055 12 02 16 47 04 192 UTC"),
    ("EEE, d MMM yyyy HH:mm:ss Z", 0, "Thu, 1 Jan 1970 00:00:00 +0000"),
    ("EEE, d MMM yyyy HH:mm:ss Z", 1483425001864, "Tue, 3 Jan 2017 06:30:01 +0000"),
    ("EEE, d MMM yyyy HH:mm:ss Z", -1, "Wed, 31 Dec 1969 23:59:59 +0000"),
    ("EEE, d MMM yyyy HH:mm:ss Z", 86401234, "Fri, 2 Jan 1970 00:00:01 +0000"),
    ("EEE, d MMM yyyy HH:mm:ss Z", -62135769600000, "Sat, 1 Jan 0001 00:00:00 +0000"),
    ("EEE, d MMM yyyy HH:mm:ss Z", -12219292800000, "Fri, 15 Oct 1582 00:00:00 +0000"),
    ("EEE, d MMM yyyy HH:mm:ss Z", -12219292800001, "Thu, 4 Oct 1582 23:59:59 +0000"),
    ("EEE, d MMM yyyy HH:mm:ss Z", 253402300799999, "Fri, 31 Dec 9999 23:59:59 +0000"),
    ("EEE, d MMM yyyy HH:mm:ss Z", 951782400000, "Tue, 29 Feb 2000 00:00:00 +0000"),
    ("EEE, d MMM yyyy HH:mm:ss Z", -126206856000000, "Mon, 17 Sep 2031 12:00:00 +0000"),
    ("EEE, d MMM yyyy HH:mm:ss Z", 9223372036854775807, "Sun, 17 Aug 292278994 07:12:55 +0000"),
    ("EEE, d MMM yyyy HH:mm:ss Z", -9223372036854775808, "Sun, 2 Dec 292269055 16:47:04 +0000"),
    ("h:mm a", 0, "12:00 AM"),
    ("h:mm a", 1483425001864, "6:30 AM"),
    ("h:mm a", -1, "11:59 PM"),
    ("h:mm a", 86401234, "12:00 AM"),
    ("h:mm a", -62135769600000, "12:00 AM"),
    ("h:mm a", -12219292800000, "12:00 AM"),
    ("h:mm a", -12219292800001, "11:59 PM"),
    ("h:mm a", 253402300799999, "11:59 PM"),
    ("h:mm a", 951782400000, "12:00 AM"),
    ("h:mm a", -126206856000000, "12:00 PM"),
    ("h:mm a", 9223372036854775807, "7:12 AM"),
    ("h:mm a", -9223372036854775808, "4:47 PM"),
    ("hh 'o''clock' a, zzzz", 0, "12 o'clock AM, Coordinated Universal Time"),
    ("hh 'o''clock' a, zzzz", 1483425001864, "06 o'clock AM, Coordinated Universal Time"),
    ("hh 'o''clock' a, zzzz", -1, "11 o'clock PM, Coordinated Universal Time"),
    ("hh 'o''clock' a, zzzz", 86401234, "12 o'clock AM, Coordinated Universal Time"),
    ("hh 'o''clock' a, zzzz", -62135769600000, "12 o'clock AM, Coordinated Universal Time"),
    ("hh 'o''clock' a, zzzz", -12219292800000, "12 o'clock AM, Coordinated Universal Time"),
    ("hh 'o''clock' a, zzzz", -12219292800001, "11 o'clock PM, Coordinated Universal Time"),
    ("hh 'o''clock' a, zzzz", 253402300799999, "11 o'clock PM, Coordinated Universal Time"),
    ("hh 'o''clock' a, zzzz", 951782400000, "12 o'clock AM, Coordinated Universal Time"),
    ("hh 'o''clock' a, zzzz", -126206856000000, "12 o'clock PM, Coordinated Universal Time"),
    ("hh 'o''clock' a, zzzz", 9223372036854775807, "07 o'clock AM, Coordinated Universal Time"),
    ("hh 'o''clock' a, zzzz", -9223372036854775808, "04 o'clock PM, Coordinated Universal Time"),
    ("K:mm a", 0, "0:00 AM"),
    ("K:mm a", 1483425001864, "6:30 AM"),
    ("K:mm a", -1, "11:59 PM"),
    ("K:mm a", 86401234, "0:00 AM"),
    ("K:mm a", -62135769600000, "0:00 AM"),
    ("K:mm a", -12219292800000, "0:00 AM"),
    ("K:mm a", -12219292800001, "11:59 PM"),
    ("K:mm a", 253402300799999, "11:59 PM"),
    ("K:mm a", 951782400000, "0:00 AM"),
    ("K:mm a", -126206856000000, "0:00 PM"),
    ("K:mm a", 9223372036854775807, "7:12 AM"),
    ("K:mm a", -9223372036854775808, "4:47 PM"),
    ("yy", 0, "70"),
    ("yy", 1483425001864, "17"),
    ("yy", -1, "69"),
    ("yy", 86401234, "70"),
    ("yy", -62135769600000, "01"),
    ("yy", -12219292800000, "82"),
    ("yy", -12219292800001, "82"),
    ("yy", 253402300799999, "99"),
    ("yy", 951782400000, "00"),
    ("yy", -126206856000000, "31"),
    ("yy", 9223372036854775807, "94"),
    ("yy", -9223372036854775808, "55"),
    ("G yyyy", 0, "AD 1970"),
    ("G yyyy", 1483425001864, "AD 2017"),
    ("G yyyy", -1, "AD 1969"),
    ("G yyyy", 86401234, "AD 1970"),
    ("G yyyy", -62135769600000, "AD 0001"),
    ("G yyyy", -12219292800000, "AD 1582"),
    ("G yyyy", -12219292800001, "AD 1582"),
    ("G yyyy", 253402300799999, "AD 9999"),
    ("G yyyy", 951782400000, "AD 2000"),
    ("G yyyy", -126206856000000, "BC 2031"),
    ("G yyyy", 9223372036854775807, "AD 292278994"),
    ("G yyyy", -9223372036854775808, "BC 292269055"),
    ("D F u k", 0, "1 1 4 24"),
    ("D F u k", 1483425001864, "3 1 2 6"),
    ("D F u k", -1, "365 5 3 23"),
    ("D F u k", 86401234, "2 1 5 24"),
    ("D F u k", -62135769600000, "1 1 6 24"),
    ("D F u k", -12219292800000, "278 1 5 24"),
    ("D F u k", -12219292800001, "277 1 4 23"),
    ("D F u k", 253402300799999, "365 5 5 23"),
    ("D F u k", 951782400000, "60 5 2 24"),
    ("D F u k", -126206856000000, "260 3 1 12"),
    ("D F u k", 9223372036854775807, "229 3 7 7"),
    ("D F u k", -9223372036854775808, "336 1 7 16"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 0, "1970-01-01T00:00:00.000Z"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 1483425001864, "2017-01-03T06:30:01.864Z"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", -1, "1969-12-31T23:59:59.999Z"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 86401234, "1970-01-02T00:00:01.234Z"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", -62135769600000, "0001-01-01T00:00:00.000Z"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", -12219292800000, "1582-10-15T00:00:00.000Z"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", -12219292800001, "1582-10-04T23:59:59.999Z"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 253402300799999, "9999-12-31T23:59:59.999Z"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 951782400000, "2000-02-29T00:00:00.000Z"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", -126206856000000, "2031-09-17T12:00:00.000Z"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 9223372036854775807, "292278994-08-17T07:12:55.807Z"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", -9223372036854775808, "292269055-12-02T16:47:04.192Z"),
    ("''", 0, "'"),
    ("''", 1483425001864, "'"),
    ("''", -1, "'"),
    ("''", 86401234, "'"),
    ("''", -62135769600000, "'"),
    ("''", -12219292800000, "'"),
    ("''", -12219292800001, "'"),
    ("''", 253402300799999, "'"),
    ("''", 951782400000, "'"),
    ("''", -126206856000000, "'"),
    ("''", 9223372036854775807, "'"),
    ("''", -9223372036854775808, "'"),
    ("MMMM", 0, "January"),
    ("MMMM", 1483425001864, "January"),
    ("MMMM", -1, "December"),
    ("MMMM", 86401234, "January"),
    ("MMMM", -62135769600000, "January"),
    ("MMMM", -12219292800000, "October"),
    ("MMMM", -12219292800001, "October"),
    ("MMMM", 253402300799999, "December"),
    ("MMMM", 951782400000, "February"),
    ("MMMM", -126206856000000, "September"),
    ("MMMM", 9223372036854775807, "August"),
    ("MMMM", -9223372036854775808, "December"),
    ("dd/MM/yy", 0, "01/01/70"),
    ("dd/MM/yy", 1483425001864, "03/01/17"),
    ("dd/MM/yy", -1, "31/12/69"),
    ("dd/MM/yy", 86401234, "02/01/70"),
    ("dd/MM/yy", -62135769600000, "01/01/01"),
    ("dd/MM/yy", -12219292800000, "15/10/82"),
    ("dd/MM/yy", -12219292800001, "04/10/82"),
    ("dd/MM/yy", 253402300799999, "31/12/99"),
    ("dd/MM/yy", 951782400000, "29/02/00"),
    ("dd/MM/yy", -126206856000000, "17/09/31"),
    ("dd/MM/yy", 9223372036854775807, "17/08/94"),
    ("dd/MM/yy", -9223372036854775808, "02/12/55"),
    ("yyyyy.MMMMM.dd GGG hh:mm aaa", 0, "01970.January.01 AD 12:00 AM"),
    ("yyyyy.MMMMM.dd GGG hh:mm aaa", 1483425001864, "02017.January.03 AD 06:30 AM"),
    ("yyyyy.MMMMM.dd GGG hh:mm aaa", -1, "01969.December.31 AD 11:59 PM"),
    ("yyyyy.MMMMM.dd GGG hh:mm aaa", 86401234, "01970.January.02 AD 12:00 AM"),
    ("yyyyy.MMMMM.dd GGG hh:mm aaa", -62135769600000, "00001.January.01 AD 12:00 AM"),
    ("yyyyy.MMMMM.dd GGG hh:mm aaa", -12219292800000, "01582.October.15 AD 12:00 AM"),
    ("yyyyy.MMMMM.dd GGG hh:mm aaa", -12219292800001, "01582.October.04 AD 11:59 PM"),
    ("yyyyy.MMMMM.dd GGG hh:mm aaa", 253402300799999, "09999.December.31 AD 11:59 PM"),
    ("yyyyy.MMMMM.dd GGG hh:mm aaa", 951782400000, "02000.February.29 AD 12:00 AM"),
    ("yyyyy.MMMMM.dd GGG hh:mm aaa", -126206856000000, "02031.September.17 BC 12:00 PM"),
    ("yyyyy.MMMMM.dd GGG hh:mm aaa", 9223372036854775807, "292278994.August.17 AD 07:12 AM"),
    ("yyyyy.MMMMM.dd GGG hh:mm aaa", -9223372036854775808, "292269055.December.02 BC 04:47 PM"),
    ("y-M-d H:m:s.S X", 0, "1970-1-1 0:0:0.0 Z"),
    ("y-M-d H:m:s.S X", 1483425001864, "2017-1-3 6:30:1.864 Z"),
    ("y-M-d H:m:s.S X", -1, "1969-12-31 23:59:59.999 Z"),
    ("y-M-d H:m:s.S X", 86401234, "1970-1-2 0:0:1.234 Z"),
    ("y-M-d H:m:s.S X", -62135769600000, "1-1-1 0:0:0.0 Z"),
    ("y-M-d H:m:s.S X", -12219292800000, "1582-10-15 0:0:0.0 Z"),
    ("y-M-d H:m:s.S X", -12219292800001, "1582-10-4 23:59:59.999 Z"),
    ("y-M-d H:m:s.S X", 253402300799999, "9999-12-31 23:59:59.999 Z"),
    ("y-M-d H:m:s.S X", 951782400000, "2000-2-29 0:0:0.0 Z"),
    ("y-M-d H:m:s.S X", -126206856000000, "2031-9-17 12:0:0.0 Z"),
    ("y-M-d H:m:s.S X", 9223372036854775807, "292278994-8-17 7:12:55.807 Z"),
    ("y-M-d H:m:s.S X", -9223372036854775808, "292269055-12-2 16:47:4.192 Z"),
    ("EEEE LLLL", 0, "Thursday January"),
    ("EEEE LLLL", 1483425001864, "Tuesday January"),
    ("EEEE LLLL", -1, "Wednesday December"),
    ("EEEE LLLL", 86401234, "Friday January"),
    ("EEEE LLLL", -62135769600000, "Saturday January"),
    ("EEEE LLLL", -12219292800000, "Friday October"),
    ("EEEE LLLL", -12219292800001, "Thursday October"),
    ("EEEE LLLL", 253402300799999, "Friday December"),
    ("EEEE LLLL", 951782400000, "Tuesday February"),
    ("EEEE LLLL", -126206856000000, "Monday September"),
    ("EEEE LLLL", 9223372036854775807, "Sunday August"),
    ("EEEE LLLL", -9223372036854775808, "Sunday December"),
];
const PARSE_CASES: &[(&str, &str, Option<i64>)] = &[
    ("yyyy MM dd HH mm ss SSS z", "1970 01 02 00 00 01 234 UTC", Some(86401234)),
    ("yyyyMMdd", "20170103", Some(1483401600000)),
    ("yyyyMMdd", "2017013", Some(1483401600000)),
    ("yyyyMMddHHmmss", "20170103063001", Some(1483425001000)),
    ("yyyyMMdd", "2017-0103", Some(1489363200000)),
    ("yyyy-MM-dd", "2017-1-3", Some(1483401600000)),
    ("yyyy-MM-dd", "2017-13-40", Some(1518134400000)),
    ("yyyy-MM-dd", " 2017- 01-03xyz", Some(1483401600000)),
    ("yyyy-MM-dd", "2017/01/03", None),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2017-01-03T06:30:01.864+0530", Some(1483405201864)),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2017-01-03T06:30:01.864-0800", Some(1483453801864)),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2017-01-03T06:30:01.864Z", None),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2017-01-03T06:30:01.864+05:30", None),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2017-01-03T06:30:01.864Z", Some(1483425001864)),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2017-01-03T06:30:01.864+05:30", Some(1483405201864)),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2017-01-03T06:30:01.864+0530", None),
    ("yyyy-MM-dd'T'HH:mmX", "2017-01-03T06:30-08", Some(1483453800000)),
    ("yyyy-MM-dd'T'HH:mmXX", "2017-01-03T06:30-0830", Some(1483455600000)),
    ("yy-MM-dd", "17-01-03", Some(1483401600000)),
    ("yy-MM-dd", "45-12-01", Some(-760060800000)),
    ("yy-MM-dd", "45-11-01", Some(2393107200000)),
    ("yy-MM-dd", "2017-01-03", Some(1483401600000)),
    ("yy", "5", Some(-62009539200000)),
    ("yy", "-05", Some(-62325158400000)),
    ("yyyy", "17", Some(-61630848000000)),
    ("EEE, d MMM yyyy HH:mm:ss z", "Tue, 3 Jan 2017 06:30:01 GMT", Some(1483425001000)),
    ("EEE, d MMM yyyy HH:mm:ss z", "Tue, 3 Jan 2017 06:30:01 GMT+01:00", Some(1483421401000)),
    ("EEE, d MMM yyyy HH:mm:ss z", "Tue, 3 Jan 2017 06:30:01 UTC", Some(1483425001000)),
    ("EEE, d MMM yyyy HH:mm:ss z", "Tue, 3 Jan 2017 06:30:01 +0100", Some(1483421401000)),
    ("EEE, d MMM yyyy HH:mm:ss Z", "Tue, 3 Jan 2017 06:30:01 GMT-02:30", Some(1483434001000)),
    ("EEE, d MMM yyyy HH:mm:ss Z", "tuesday, 3 JAN 2017 06:30:01 +0100", Some(1483421401000)),
    ("d MMMM yyyy", "5 June 2017", Some(1496620800000)),
    ("d MMM yyyy", "5 june 2017", Some(1496620800000)),
    ("d MMM yyyy", "5 Sept 2017", None),
    ("d MMMM yyyy", "5 Sep 2017", Some(1504569600000)),
    ("h:mm a", "12:30 PM", Some(45000000)),
    ("h:mm a", "12:30 am", Some(1800000)),
    ("hh:mm", "13:05", Some(47100000)),
    ("K:mm a", "11:59 PM", Some(86340000)),
    ("k:mm", "24:00", Some(0)),
    ("h:mm a HH", "1:00 PM 05", Some(18000000)),
    ("HH h:mm a", "05 1:00 PM", Some(46800000)),
    ("G yyyy-MM-dd", "BC 0001-01-01", Some(-62167392000000)),
    ("GGGG yyyy", "Anno Domini 2017", Some(1483228800000)),
    ("G yyyy", "ad 2017", Some(1483228800000)),
    ("yyyy-MM-dd", "0001-01-01", Some(-62135769600000)),
    ("yyyy-MM-dd", "1582-10-10", Some(-12218860800000)),
    ("yyyy-MM-dd", "1582-10-04", Some(-12219379200000)),
    ("yyyy-MM-dd", "1582-10-15", Some(-12219292800000)),
    ("yyyy-MM-dd", "1582-12-31", Some(-12212640000000)),
    ("yyyy-MM-dd", "1583-01-01", Some(-12212553600000)),
    ("yyyy-MM-dd HH:mm", "2017-01-03 25:61", Some(1483495260000)),
    ("yyyy-MM-dd", "-0001-01-01", Some(-62198928000000)),
    ("yyyy D", "2017 100", Some(1491782400000)),
    ("yyyy MM EEE", "2017 01 Fri", Some(1483660800000)),
    ("yyyy MM F EEE", "2017 01 2 Fri", Some(1484265600000)),
    ("yyyy-MM-dd EEE", "2017-01-03 Fri", Some(1483401600000)),
    ("EEE yyyy-MM-dd", "Fri 2017-01-03", Some(1483401600000)),
    ("yyyy-MM-dd D", "2017-01-03 40", Some(1486598400000)),
    ("yyyy-MM-dd u", "2017-01-03 5", Some(1483401600000)),
    ("yyyy MM u", "2017 02 7", Some(1486252800000)),
    ("yyyy.MM.dd", "2017.01.03", Some(1483401600000)),
    ("HH:mm:ss", "06:30:01.5", Some(23401000)),
    ("ss.SSS", "01.5", Some(1005)),
    ("yyyy-MM-dd", "", None),
    ("yyyy-MM-dd", "abc", None),
    ("MMM", "Foo", None),
    ("yyyy-MM-dd HH:mm z", "2017-01-03 06:30 Coordinated Universal Time", Some(1483425000000)),
    ("yyyy-MM-dd'T'HH:mm", "2017-01-03T06:30", Some(1483425000000)),
    ("yyyy-MM-dd HH:mm:ss", "2017-01-03  06:30:01", Some(1483425001000)),
    // JDK 20+ lets a literal space match any space separator (JDK 17 printed None); we follow 20+.
    ("yyyy-MM-dd HH:mm:ss", "2017-01-03\u{a0}06:30:01", Some(1483425001000)),
    ("yyyy-MM-dd", "NaN-01-03", Some(-62167219200000)),
    ("u yyyy MM", "5 2017 01", Some(1483660800000)),
    ("MMyyyy", "012017", Some(1483228800000)),
    ("yyyy-MM", "2017-01", Some(1483228800000)),
    ("yyyy-MM-dd", "99999999999-01-01", Some(1471883220702496768)),
    ("yyyy-MM-dd", "+2017-01-01", None),
    ("'at' HH", "at 05", Some(18000000)),
    ("'at' HH", "At 05", None),
    ("yyyyMMdd", "2017", None),
    ("HHmm", "123", Some(43380000)),
    ("mm:ss", "61:61", Some(3721000)),
];
const CONNECT_DATE_CASES: &[(i64, &str)] = &[
    (0, "00:00:00.000Z"),
    (1, "00:00:00.001Z"),
    (3600000, "01:00:00.000Z"),
    (86400000, "1970-01-02"),
    (86400001, "1970-01-02T00:00:00.001Z"),
    (-86400000, "00:00:00.000Z"),
    (1483425001864, "2017-01-03T06:30:01.864Z"),
    (1483401600000, "2017-01-03"),
    (-62135769600000, "00:00:00.000Z"),
    (1700000000000, "2023-11-14T22:13:20.000Z"),
];

#[test]
fn formats_like_simple_date_format() {
    for (pattern, millis, expected) in FORMAT_CASES {
        let format = DateFormat::new(pattern).unwrap();
        assert_eq!(format.format(*millis), *expected, "{pattern} at {millis}");
    }
}

#[test]
fn parses_like_lenient_simple_date_format() {
    for (pattern, text, expected) in PARSE_CASES {
        let format = DateFormat::new(pattern).unwrap().with_two_digit_year_start(WINDOW_START);
        assert_eq!(format.parse(text), *expected, "{pattern} on {text:?}");
    }
}

#[test]
fn zone_names_other_than_utc_are_not_recognised() {
    // Java resolves "EST" through every zone name it knows (giving -05:00); we only know UTC's.
    let format = DateFormat::new("z").unwrap();
    assert_eq!(format.parse("EST"), None);
    assert_eq!(format.parse("utc"), Some(0));
}

#[test]
fn connect_date_format_for_picks_the_pattern_by_value() {
    for (millis, expected) in CONNECT_DATE_CASES {
        assert_eq!(format_connect_date(*millis), *expected, "{millis}");
    }
}

#[test]
fn bad_patterns_fail_with_java_messages() {
    for (pattern, message) in [
        ("bad-format", "Illegal pattern character 'b'"),
        ("yyyy-MM-dd'T", "Unterminated quote"),
        ("XXXX", "invalid ISO 8601 format: length=4"),
        (
            "yyyy-ww",
            "Pattern character 'w' (week-based field) is not supported by the native SimpleDateFormat",
        ),
    ] {
        assert_eq!(DateFormat::new(pattern).unwrap_err().to_string(), message, "{pattern}");
    }
    assert_eq!(DateFormat::new("'yyyy'").unwrap().format(0), "yyyy");
    assert_eq!(DateFormat::new("").unwrap().format(0), "");
    assert_eq!(DateFormat::new("yyyy").unwrap().pattern(), "yyyy");
}

#[test]
fn default_two_digit_year_window_is_eighty_years_back() {
    // 2024-02-29T12:00Z → 1944-02-29T12:00Z (a leap day then too).
    let (start, year) = eighty_years_before(1_709_208_000_000);
    assert_eq!(year, 1944);
    assert_eq!(start, calendar::days_from_gregorian(1944, 2, 29) * MILLIS_PER_DAY + 43_200_000);
    // 1980-02-29 → 1900-02-28: Calendar.add clamps the day when the target year is not leap.
    let (start, year) = eighty_years_before(320_630_400_000);
    assert_eq!(year, 1900);
    assert_eq!(start, calendar::days_from_gregorian(1900, 2, 28) * MILLIS_PER_DAY);
}
