//! The demo catalog: a few hundred real-looking Korean shows for local runs and demos.
//!
//! Deterministic (a fixed-seed generator), so every newcomer sees the same catalog, and
//! dated relative to today, so it is always on sale. Loaded only into an empty catalog.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use sqlx::MySqlPool;

use super::discounts::NewDiscount;
use super::model::{CastMember, Category, NewGrade, NewSchedule, NewShow, ShowFacts, VenueInput};
use super::repo;
use crate::error::Result;

/// (Korean title, English title, category, venue index, artists)
type Base = (
    &'static str,
    &'static str,
    Category,
    usize,
    &'static [&'static str],
);

const VENUES: &[(&str, &str)] = &[
    ("샤롯데씨어터", "서울 송파구 올림픽로 240"),
    ("블루스퀘어 신한카드홀", "서울 용산구 이태원로 294"),
    ("디큐브 링크아트센터", "서울 구로구 경인로 662"),
    ("충무아트센터 대극장", "서울 중구 퇴계로 387"),
    ("세종문화회관 대극장", "서울 종로구 세종대로 175"),
    ("예술의전당 오페라극장", "서울 서초구 남부순환로 2406"),
    ("예술의전당 콘서트홀", "서울 서초구 남부순환로 2406"),
    ("LG아트센터 서울", "서울 강서구 마곡중앙로 136"),
    ("KSPO DOME", "서울 송파구 올림픽로 424"),
    ("고척스카이돔", "서울 구로구 경인로 430"),
    ("올림픽공원 올림픽홀", "서울 송파구 올림픽로 424"),
    ("롯데콘서트홀", "서울 송파구 올림픽로 300"),
    ("대학로 아트원씨어터", "서울 종로구 창경궁로35길 7"),
    ("국립극장 해오름극장", "서울 중구 장충단로 59"),
    ("드림씨어터", "부산 남구 전포대로 133"),
    ("계명아트센터", "대구 달서구 달구벌대로 1095"),
    ("예술의전당 한가람미술관", "서울 서초구 남부순환로 2406"),
    ("동대문디자인플라자 배움터", "서울 중구 을지로 281"),
    ("대학로 자유극장", "서울 종로구 대학로 116"),
    ("벡스코 오디토리움", "부산 해운대구 APEC로 55"),
];

const SHOWS: &[Base] = &[
    (
        "시카고",
        "Chicago",
        Category::Musical,
        2,
        &["최재림", "아이비", "정선아"],
    ),
    (
        "레미제라블",
        "Les Misérables",
        Category::Musical,
        4,
        &["민우혁", "최재림", "조정은"],
    ),
    (
        "오페라의 유령",
        "The Phantom of the Opera",
        Category::Musical,
        0,
        &["조승우", "김주택", "손지수"],
    ),
    (
        "위키드",
        "Wicked",
        Category::Musical,
        1,
        &["옥주현", "정선아", "손승연"],
    ),
    (
        "맘마미아!",
        "Mamma Mia!",
        Category::Musical,
        4,
        &["최정원", "신영숙", "홍지민"],
    ),
    (
        "지킬 앤 하이드",
        "Jekyll & Hyde",
        Category::Musical,
        3,
        &["홍광호", "신성록", "윤공주"],
    ),
    (
        "엘리자벳",
        "Elisabeth",
        Category::Musical,
        3,
        &["옥주현", "이지혜", "김준수"],
    ),
    (
        "레베카",
        "Rebecca",
        Category::Musical,
        3,
        &["신영숙", "옥주현", "민영기"],
    ),
    (
        "모차르트!",
        "Mozart!",
        Category::Musical,
        4,
        &["김준수", "박강현", "신영숙"],
    ),
    (
        "드라큘라",
        "Dracula",
        Category::Musical,
        3,
        &["김준수", "신성록", "아이비"],
    ),
    (
        "헤드윅",
        "Hedwig and the Angry Inch",
        Category::Musical,
        12,
        &["조승우", "유연석", "전동석"],
    ),
    (
        "킹키부츠",
        "Kinky Boots",
        Category::Musical,
        2,
        &["강홍석", "최재림", "이석훈"],
    ),
    (
        "라이온 킹",
        "The Lion King",
        Category::Musical,
        1,
        &["오리지널 투어 캐스트"],
    ),
    (
        "캣츠",
        "Cats",
        Category::Musical,
        4,
        &["브래드 리틀", "조아나 암필"],
    ),
    (
        "노트르담 드 파리",
        "Notre-Dame de Paris",
        Category::Musical,
        4,
        &["정성화", "윤형렬", "유리아"],
    ),
    (
        "웃는 남자",
        "The Man Who Laughs",
        Category::Musical,
        5,
        &["박효신", "박은태", "규현"],
    ),
    (
        "마타하리",
        "Mata Hari",
        Category::Musical,
        3,
        &["옥주현", "솔라", "선민"],
    ),
    (
        "데스노트",
        "Death Note",
        Category::Musical,
        2,
        &["홍광호", "김준수", "고은성"],
    ),
    (
        "프랑켄슈타인",
        "Frankenstein",
        Category::Musical,
        1,
        &["유준상", "전동석", "규현"],
    ),
    (
        "벤허",
        "Ben-Hur",
        Category::Musical,
        3,
        &["박은태", "카이", "신우"],
    ),
    (
        "영웅",
        "Hero",
        Category::Musical,
        5,
        &["정성화", "양준모", "민우혁"],
    ),
    (
        "명성황후",
        "The Last Empress",
        Category::Musical,
        4,
        &["김소현", "신영숙", "손준호"],
    ),
    (
        "빨래",
        "Laundry",
        Category::Musical,
        12,
        &["강정우", "곽선영", "이봉련"],
    ),
    (
        "김종욱 찾기",
        "Finding Mr. Destiny",
        Category::Musical,
        18,
        &["이지훈", "이예은"],
    ),
    (
        "광화문연가",
        "Gwanghwamun Sonata",
        Category::Musical,
        4,
        &["이건명", "차지연", "윤도현"],
    ),
    (
        "서편제",
        "Seopyeonje",
        Category::Musical,
        3,
        &["차지연", "이자람", "유리아"],
    ),
    (
        "마리 퀴리",
        "Marie Curie",
        Category::Musical,
        7,
        &["김소향", "옥주현", "이봄소리"],
    ),
    (
        "팬레터",
        "Fan Letter",
        Category::Musical,
        7,
        &["김종구", "문태유", "김히어라"],
    ),
    (
        "번지점프를 하다",
        "Bungee Jumping of Their Own",
        Category::Musical,
        12,
        &["강필석", "이지훈", "김지철"],
    ),
    (
        "쓰릴 미",
        "Thrill Me",
        Category::Musical,
        12,
        &["정동화", "에녹", "이동환"],
    ),
    (
        "스위니 토드",
        "Sweeney Todd",
        Category::Musical,
        2,
        &["조승우", "강필석", "옥주현"],
    ),
    (
        "시라노",
        "Cyrano",
        Category::Musical,
        7,
        &["조형균", "최재림", "나하나"],
    ),
    (
        "물랑루즈!",
        "Moulin Rouge!",
        Category::Musical,
        1,
        &["홍광호", "이충주", "김지우"],
    ),
    (
        "알라딘",
        "Aladdin",
        Category::Musical,
        0,
        &["김준수", "서경수", "정성화"],
    ),
    (
        "하데스타운",
        "Hadestown",
        Category::Musical,
        7,
        &["조형균", "박강현", "김수하"],
    ),
    (
        "미세스 다웃파이어",
        "Mrs. Doubtfire",
        Category::Musical,
        0,
        &["정성화", "양준모", "임기홍"],
    ),
    (
        "베르테르",
        "Werther",
        Category::Musical,
        4,
        &["엄기준", "카이", "양요섭"],
    ),
    (
        "몬테크리스토",
        "Monte Cristo",
        Category::Musical,
        3,
        &["엄기준", "신성록", "카이"],
    ),
    (
        "아이다",
        "Aida",
        Category::Musical,
        2,
        &["윤공주", "아이비", "김우형"],
    ),
    (
        "렌트",
        "Rent",
        Category::Musical,
        12,
        &["장지후", "배두훈", "김수하"],
    ),
    (
        "그리스",
        "Grease",
        Category::Musical,
        12,
        &["이재환", "정명은"],
    ),
    (
        "드림걸즈",
        "Dreamgirls",
        Category::Musical,
        2,
        &["차지연", "홍지민", "최정원"],
    ),
    (
        "아이유 콘서트 HEREH",
        "IU Concert HEREH",
        Category::Concert,
        9,
        &["아이유"],
    ),
    (
        "임영웅 전국투어 콘서트 IM HERO",
        "Lim Young Woong Concert IM HERO",
        Category::Concert,
        8,
        &["임영웅"],
    ),
    (
        "성시경 연말 콘서트",
        "Sung Si Kyung Year-End Concert",
        Category::Concert,
        10,
        &["성시경"],
    ),
    (
        "싸이 흠뻑쇼",
        "PSY Summer Swag",
        Category::Concert,
        9,
        &["싸이"],
    ),
    (
        "조용필 & 위대한탄생 콘서트",
        "Cho Yong Pil & The Great Birth",
        Category::Concert,
        8,
        &["조용필"],
    ),
    (
        "세븐틴 월드투어 FOLLOW",
        "SEVENTEEN World Tour FOLLOW",
        Category::Concert,
        9,
        &["세븐틴"],
    ),
    (
        "데이식스 콘서트 FOREVER YOUNG",
        "DAY6 Concert FOREVER YOUNG",
        Category::Concert,
        8,
        &["데이식스"],
    ),
    (
        "잔나비 전국투어 판타스틱 올드 패션드",
        "JANNABI Fantastic Old Fashioned Tour",
        Category::Concert,
        10,
        &["잔나비"],
    ),
    (
        "악뮤 콘서트 항해",
        "AKMU Concert Sailing",
        Category::Concert,
        10,
        &["악뮤"],
    ),
    (
        "자우림 콘서트",
        "Jaurim Concert",
        Category::Concert,
        10,
        &["자우림"],
    ),
    (
        "10CM 단독 콘서트",
        "10CM Solo Concert",
        Category::Concert,
        10,
        &["10CM"],
    ),
    (
        "폴킴 콘서트",
        "Paul Kim Concert",
        Category::Concert,
        11,
        &["폴킴"],
    ),
    (
        "이승철 콘서트 체인지",
        "Lee Seung Chul Concert Change",
        Category::Concert,
        10,
        &["이승철"],
    ),
    (
        "나훈아 고마웠습니다 라스트 콘서트",
        "Na Hoon-a Last Concert",
        Category::Concert,
        8,
        &["나훈아"],
    ),
    (
        "박효신 콘서트",
        "Park Hyo Shin Concert",
        Category::Concert,
        8,
        &["박효신"],
    ),
    (
        "NCT 127 더 링크",
        "NCT 127 The Link",
        Category::Concert,
        9,
        &["NCT 127"],
    ),
    (
        "스트레이 키즈 월드투어",
        "Stray Kids World Tour",
        Category::Concert,
        9,
        &["스트레이 키즈"],
    ),
    (
        "김연우 콘서트 연우의 노래",
        "Kim Yeon Woo Concert",
        Category::Concert,
        11,
        &["김연우"],
    ),
    (
        "햄릿",
        "Hamlet",
        Category::Play,
        13,
        &["이승주", "강필석", "박정자"],
    ),
    (
        "리어왕",
        "King Lear",
        Category::Play,
        13,
        &["이순재", "오영수"],
    ),
    (
        "맥베스",
        "Macbeth",
        Category::Play,
        13,
        &["황정민", "김소진"],
    ),
    (
        "갈매기",
        "The Seagull",
        Category::Play,
        18,
        &["이순재", "전미도"],
    ),
    (
        "고도를 기다리며",
        "Waiting for Godot",
        Category::Play,
        18,
        &["신구", "박근형"],
    ),
    (
        "날 보러 와요",
        "Come and See Me",
        Category::Play,
        18,
        &["김대령", "송유현"],
    ),
    (
        "옥탑방 고양이",
        "The Cat on the Rooftop",
        Category::Play,
        12,
        &["김은비", "윤석현"],
    ),
    (
        "한여름 밤의 꿈",
        "A Midsummer Night's Dream",
        Category::Play,
        13,
        &["국립극단"],
    ),
    (
        "세일즈맨의 죽음",
        "Death of a Salesman",
        Category::Play,
        7,
        &["박근형", "손숙"],
    ),
    (
        "에쿠우스",
        "Equus",
        Category::Play,
        12,
        &["류덕환", "남윤호"],
    ),
    (
        "오만과 편견",
        "Pride and Prejudice",
        Category::Play,
        12,
        &["정운선", "이지혜"],
    ),
    (
        "테베랜드",
        "Thebes Land",
        Category::Play,
        12,
        &["손상규", "이석준"],
    ),
    (
        "라흐 헤스트",
        "Larc Rest",
        Category::Play,
        18,
        &["김소향", "김주연"],
    ),
    (
        "빈센트 반 고흐 展",
        "Vincent van Gogh",
        Category::Exhibition,
        16,
        &["빈센트 반 고흐"],
    ),
    (
        "모네 인사이드",
        "Monet Inside",
        Category::Exhibition,
        17,
        &["클로드 모네"],
    ),
    (
        "팀 버튼 특별전",
        "The World of Tim Burton",
        Category::Exhibition,
        17,
        &["팀 버튼"],
    ),
    (
        "앤디 워홀 展",
        "Andy Warhol",
        Category::Exhibition,
        16,
        &["앤디 워홀"],
    ),
    (
        "르누아르의 빛",
        "Light of Renoir",
        Category::Exhibition,
        16,
        &["피에르 오귀스트 르누아르"],
    ),
    (
        "피카소와 20세기 거장들",
        "Picasso and the Masters",
        Category::Exhibition,
        16,
        &["파블로 피카소"],
    ),
    (
        "뱅크시 리얼 스토리",
        "Banksy Real Story",
        Category::Exhibition,
        17,
        &["뱅크시"],
    ),
    (
        "요시고 사진전",
        "Yoshigo Photo Exhibition",
        Category::Exhibition,
        17,
        &["요시고"],
    ),
    (
        "구스타프 클림트 골드",
        "Gustav Klimt Gold",
        Category::Exhibition,
        16,
        &["구스타프 클림트"],
    ),
    (
        "조성진 피아노 리사이틀",
        "Seong-Jin Cho Piano Recital",
        Category::Classic,
        6,
        &["조성진"],
    ),
    (
        "임윤찬 피아노 리사이틀",
        "Yunchan Lim Piano Recital",
        Category::Classic,
        11,
        &["임윤찬"],
    ),
    (
        "서울시립교향악단 정기공연",
        "Seoul Philharmonic Subscription Concert",
        Category::Classic,
        6,
        &["서울시립교향악단", "얍 판 츠베덴"],
    ),
    (
        "베를린 필하모닉 내한공연",
        "Berliner Philharmoniker in Seoul",
        Category::Classic,
        6,
        &["베를린 필하모닉", "키릴 페트렌코"],
    ),
    (
        "빈 필하모닉 내한공연",
        "Wiener Philharmoniker in Seoul",
        Category::Classic,
        6,
        &["빈 필하모닉"],
    ),
    (
        "손열음 피아노 리사이틀",
        "Yeol Eum Son Piano Recital",
        Category::Classic,
        11,
        &["손열음"],
    ),
    (
        "사라 장 바이올린 리사이틀",
        "Sarah Chang Violin Recital",
        Category::Classic,
        6,
        &["사라 장"],
    ),
    (
        "정명훈 & 원 코리아 오케스트라",
        "Myung-Whun Chung & One Korea Orchestra",
        Category::Classic,
        11,
        &["정명훈"],
    ),
    (
        "국립발레단 호두까기 인형",
        "The Nutcracker",
        Category::Dance,
        5,
        &["국립발레단"],
    ),
    (
        "백조의 호수",
        "Swan Lake",
        Category::Dance,
        5,
        &["국립발레단", "박세은"],
    ),
    ("지젤", "Giselle", Category::Dance, 5, &["유니버설발레단"]),
    (
        "유니버설발레단 심청",
        "Shim Chung",
        Category::Dance,
        5,
        &["유니버설발레단"],
    ),
    (
        "국립무용단 향연",
        "Hyang-yeon",
        Category::Dance,
        13,
        &["국립무용단"],
    ),
    (
        "돈키호테",
        "Don Quixote",
        Category::Dance,
        4,
        &["국립발레단"],
    ),
];

/// What fans call some productions (every edition of them): search matches these like
/// titles (레미즈 finds 레미제라블).
const ALIASES: &[(&str, &[&str])] = &[
    ("레미제라블", &["레미즈"]),
    ("오페라의 유령", &["오유", "오페유"]),
    ("지킬 앤 하이드", &["지킬"]),
    ("노트르담 드 파리", &["노담"]),
    ("프랑켄슈타인", &["프랑켄"]),
    ("미세스 다웃파이어", &["미다파"]),
    ("번지점프를 하다", &["번점"]),
];

fn aliases_of(title: &str) -> Vec<String> {
    ALIASES
        .iter()
        .find(|(base, _)| *base == title)
        .map(|(_, names)| names.iter().map(|n| n.to_string()).collect())
        .unwrap_or_default()
}

/// Cities a production tours to after Seoul, with their venue.
const TOURS: &[(&str, usize)] = &[("부산", 14), ("대구", 15), ("부산", 19)];

/// A small fixed-seed generator: the catalog must be the same on every machine.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

/// Builds the demo shows, dated from `today`.
pub fn shows(today: DateTime<Utc>) -> Vec<NewShow> {
    let mut rng = Lcg(0x004d_4152_5155_4545);
    let mut shows = Vec::new();
    // Seoul runs first, then tours and encore seasons, until the catalog is full.
    let editions: [(&str, Option<(&str, usize)>); 5] = [
        ("", None),
        ("", Some(TOURS[0])),
        ("", Some(TOURS[1])),
        (" 앙코르", None),
        ("", Some(TOURS[2])),
    ];
    for (edition_index, (suffix, tour)) in editions.iter().enumerate() {
        for (index, (title, title_en, category, venue, artists)) in SHOWS.iter().enumerate() {
            // Not every production tours or gets an encore.
            if edition_index > 0 && (index + edition_index) % 3 != 0 && shows.len() >= 200 {
                continue;
            }
            let aliases = aliases_of(title);
            let base = *title;
            let (title, title_en, venue) = match tour {
                Some((city, tour_venue)) => (
                    format!("{title} - {city}"),
                    format!("{title_en} - {}", romanize(city)),
                    *tour_venue,
                ),
                None => (
                    format!("{title}{suffix}"),
                    format!(
                        "{title_en}{}",
                        if suffix.is_empty() { "" } else { " Encore" }
                    ),
                    *venue,
                ),
            };
            let mut show = build(
                &mut rng,
                today,
                edition_index,
                title,
                title_en,
                *category,
                venue,
                artists,
            );
            show.aliases = aliases;
            cast_performances(&mut show, base);
            shows.push(show);
        }
        if shows.len() >= 240 {
            break;
        }
    }
    shows
}

fn romanize(city: &str) -> &'static str {
    match city {
        "부산" => "Busan",
        "대구" => "Daegu",
        _ => "Tour",
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    rng: &mut Lcg,
    today: DateTime<Utc>,
    edition: usize,
    title: String,
    title_en: String,
    category: Category,
    venue: usize,
    artists: &[&str],
) -> NewShow {
    // 19:30 KST is 10:30 UTC; weekend matinees at 14:00 KST (05:00 UTC).
    let day0 = Utc.from_utc_datetime(
        &today
            .date_naive()
            .and_hms_opt(10, 30, 0)
            .expect("valid time"),
    ) + Duration::days(3 + 20 * edition as i64 + rng.next(60) as i64);
    let count = 2 + rng.next(3) as i64;
    let schedules = (0..count)
        .map(|i| {
            let matinee = i % 2 == 1;
            let starts_at = day0 + Duration::days(i * (1 + rng.next(3) as i64))
                - Duration::hours(if matinee { 5 } else { 0 })
                - Duration::minutes(if matinee { 30 } else { 0 });
            NewSchedule {
                starts_at,
                grades: grades(rng, category),
                discounts: demo_discounts(today),
                cast: Vec::new(),
            }
        })
        .collect();
    // Most shows are on sale; one in six opens booking next week. Korean box offices
    // open sales on the hour, most often at 14:00 or 20:00 KST (05:00, 11:00 UTC): the
    // hour follows from the day drawn, so no extra draw moves the rest of the catalog.
    let opens_day = if rng.next(6) == 0 {
        today + Duration::days(7)
    } else {
        today - Duration::days(14 + rng.next(30) as i64)
    };
    let opens_hour = if opens_day.ordinal() % 2 == 0 { 5 } else { 11 };
    let booking_opens_at = Utc.from_utc_datetime(
        &opens_day
            .date_naive()
            .and_hms_opt(opens_hour, 0, 0)
            .expect("valid time"),
    );
    let (venue_name, address) = VENUES[venue];
    let facts = facts_of(category);
    // Posters are drawn after the shows exist (`demo_posters`), not named by address (a
    // made-up address would be a broken image and a request leaving the machine); the
    // draw that once named one stays, so every other detail of the catalog is as it was.
    let _poster = rng.next(1_000_000);
    NewShow {
        description: format!("{title} ({title_en}) - {venue_name}"),
        title,
        title_en: Some(title_en),
        category,
        venue: VenueInput {
            name: venue_name.to_string(),
            address: address.to_string(),
        },
        artists: artists.iter().map(|a| a.to_string()).collect(),
        aliases: Vec::new(),
        poster_url: None,
        refund_policy: None,
        booking_opens_at,
        running_minutes: facts.running_minutes,
        intermission_minutes: facts.intermission_minutes,
        min_age: facts.min_age,
        schedules,
    }
}

/// 관람시간, 인터미션 and 관람등급 as each kind of show commonly states them; drawn from no
/// random numbers, so the rest of the catalog is as it was.
fn facts_of(category: Category) -> ShowFacts {
    let (running, intermission, min_age) = match category {
        Category::Musical => (Some(170), Some(20), 8),
        Category::Play => (Some(100), Some(0), 13),
        Category::Concert => (Some(150), Some(0), 7),
        Category::Classic => (Some(120), Some(15), 7),
        Category::Dance => (Some(110), Some(20), 5),
        Category::Exhibition => (None, None, 0),
    };
    ShowFacts {
        running_minutes: running,
        intermission_minutes: intermission,
        min_age: Some(min_age),
    }
}

/// A role and the actors who take turns in it.
type Role = (&'static str, &'static [&'static str]);

/// 캐스팅 of a few productions: each role with its actors, who take turns by
/// performance (double and triple casting), so no actor plays two roles at once.
const CASTS: &[(&str, &[Role])] = &[
    (
        "시카고",
        &[
            ("빌리 플린", &["최재림"]),
            ("벨마 켈리", &["정선아", "아이비"]),
            ("록시 하트", &["아이비", "정선아"]),
        ],
    ),
    (
        "레미제라블",
        &[
            ("장발장", &["민우혁", "최재림"]),
            ("자베르", &["카이", "김우형"]),
            ("판틴", &["조정은"]),
        ],
    ),
    (
        "오페라의 유령",
        &[
            ("오페라의 유령", &["조승우", "김주택"]),
            ("크리스틴 다에", &["손지수", "송은혜"]),
            ("라울", &["송원근"]),
        ],
    ),
    (
        "지킬 앤 하이드",
        &[
            ("지킬/하이드", &["홍광호", "신성록"]),
            ("루시", &["윤공주", "아이비"]),
            ("엠마", &["민경아"]),
        ],
    ),
    (
        "모차르트!",
        &[
            ("볼프강 모차르트", &["김준수", "박강현"]),
            ("발트슈테텐 남작부인", &["신영숙"]),
        ],
    ),
    (
        "헤드윅",
        &[
            ("헤드윅", &["조승우", "유연석", "전동석"]),
            ("이츠학", &["제이민"]),
        ],
    ),
    (
        "데스노트",
        &[
            ("야가미 라이토", &["홍광호", "고은성"]),
            ("엘", &["김준수"]),
        ],
    ),
    (
        "프랑켄슈타인",
        &[
            ("빅터 프랑켄슈타인", &["유준상", "전동석"]),
            ("앙리 뒤프레", &["규현", "박은태"]),
        ],
    ),
    (
        "웃는 남자",
        &[
            ("그윈플렌", &["박효신", "박은태", "규현"]),
            ("데아", &["이수빈"]),
        ],
    ),
    (
        "햄릿",
        &[("햄릿", &["이승주", "강필석"]), ("거트루드", &["박정자"])],
    ),
];

/// Each performance's cast of the production `base` (its first run's title), if the
/// demo has one: performance `i` gets each role's `i`-th actor in turn.
fn cast_performances(show: &mut NewShow, base: &str) {
    let Some((_, roles)) = CASTS.iter().find(|(title, _)| *title == base) else {
        return;
    };
    for (i, schedule) in show.schedules.iter_mut().enumerate() {
        schedule.cast = roles
            .iter()
            .map(|(role, actors)| CastMember {
                role: role.to_string(),
                actor: actors[i % actors.len()].to_string(),
            })
            .collect();
    }
}

/// The kinds Korean box offices commonly sell besides 일반: 조기예매 for the first week
/// from today, 장애인 (본인과 동반 1인, 복지카드) and 재관람 (a past ticket of the show).
/// Drawn from no random numbers, so the rest of the catalog is as it was.
fn demo_discounts(today: DateTime<Utc>) -> Vec<NewDiscount> {
    let kind = |name: &str, percent: u32| NewDiscount {
        name: name.to_string(),
        percent_off: Some(percent),
        amount_off: None,
        sale_starts_at: None,
        sale_ends_at: None,
        per_order: None,
        proof: None,
        rewatch: false,
    };
    vec![
        NewDiscount {
            sale_ends_at: Some(today + Duration::days(7)),
            ..kind("조기예매 할인", 20)
        },
        NewDiscount {
            per_order: Some(2),
            proof: Some("복지카드 지참 (본인과 동반 1인)".to_string()),
            ..kind("장애인 할인(1~3급)", 50)
        },
        NewDiscount {
            rewatch: true,
            ..kind("재관람 할인", 10)
        },
    ]
}

/// Places in a demo concert's standing area, and in an exhibition's day.
const STANDING_PLACES: u32 = 300;
const EXHIBITION_ENTRIES: u32 = 500;

/// Each category's grades as Korean box offices sell them: seated grades in rows; a
/// concert's 스탠딩 and an exhibition's 일반 entry sold by count (general admission).
/// The row draws happen for every table grade, sold by seat or not, and the standing
/// area draws nothing, so the rest of the catalog is as it was before areas existed.
fn grades(rng: &mut Lcg, category: Category) -> Vec<NewGrade> {
    let table: &[(&str, i64)] = match category {
        Category::Musical => &[
            ("VIP", 170_000),
            ("R", 140_000),
            ("S", 110_000),
            ("A", 80_000),
        ],
        Category::Concert => &[("VIP", 198_000), ("R", 165_000), ("S", 143_000)],
        Category::Play => &[("R", 66_000), ("S", 55_000)],
        Category::Exhibition => &[("일반", 20_000)],
        Category::Classic => &[("R", 150_000), ("S", 120_000), ("A", 90_000), ("B", 50_000)],
        Category::Dance => &[("VIP", 120_000), ("R", 100_000), ("S", 70_000)],
    };
    let mut next_row = 0u8;
    let mut grades: Vec<NewGrade> = table
        .iter()
        .map(|(name, price)| {
            let rows = 2 + rng.next(3) as u8;
            let labels = (0..rows)
                .map(|_| {
                    let label = ((b'A' + next_row % 26) as char).to_string();
                    next_row += 1;
                    label
                })
                .collect();
            let seats_per_row = 10 + rng.next(11) as u32;
            if category == Category::Exhibition {
                return entry(name, *price, EXHIBITION_ENTRIES);
            }
            NewGrade {
                name: name.to_string(),
                price: *price,
                rows: labels,
                seats_per_row,
                general_admission: None,
            }
        })
        .collect();
    if category == Category::Concert {
        grades.insert(1, entry("스탠딩", 165_000, STANDING_PLACES));
    }
    grades
}

fn entry(name: &str, price: i64, places: u32) -> NewGrade {
    NewGrade {
        name: name.to_string(),
        price,
        rows: Vec::new(),
        seats_per_row: 0,
        general_admission: Some(places),
    }
}

/// Loads the demo catalog unless the catalog already has shows. Returns the shows
/// created, whose posters `demo_posters::add` then draws.
pub async fn seed(pool: &MySqlPool) -> Result<Vec<(i64, Category)>> {
    let existing = sqlx::query_scalar!("select count(*) from shows")
        .fetch_one(pool)
        .await?;
    if existing > 0 {
        return Ok(Vec::new());
    }
    let mut created = Vec::new();
    for show in shows(Utc::now()) {
        created.push((repo::create_show(pool, &show).await?, show.category));
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use chrono::Timelike;

    use super::*;

    #[test]
    fn the_demo_catalog_is_large_valid_and_deterministic() {
        let today = Utc::now();
        let shows = shows(today);
        assert!(shows.len() >= 200, "{} shows", shows.len());
        for show in &shows {
            show.validate(today)
                .unwrap_or_else(|err| panic!("{}: {err}", show.title));
        }
        for show in &shows {
            let opens = show.booking_opens_at;
            assert!(
                [5, 11].contains(&opens.hour()) && opens.minute() == 0 && opens.second() == 0,
                "{}: booking opens at {opens}, not 14:00 or 20:00 KST",
                show.title
            );
        }
        let titles: std::collections::HashSet<&str> =
            shows.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles.len(), shows.len(), "titles are unique");
        let again = super::shows(today);
        assert_eq!(again[17].title, shows[17].title);
        assert_eq!(
            again[17].schedules[0].starts_at,
            shows[17].schedules[0].starts_at
        );
        for category in [
            "MUSICAL",
            "CONCERT",
            "PLAY",
            "EXHIBITION",
            "CLASSIC",
            "DANCE",
        ] {
            assert!(
                shows.iter().any(|s| s.category.as_db() == category),
                "{category}"
            );
        }
    }
}
