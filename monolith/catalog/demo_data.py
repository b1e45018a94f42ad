"""The demo catalog: deterministic, so every environment (and every test) sees the same shop."""

from __future__ import annotations

# (slug, name, description)
DEMO_CATEGORIES: list[tuple[str, str, str]] = [
    (
        "coffee",
        "Coffee",
        "Single origins and blends, roasted weekly in small batches and shipped whole bean.",
    ),
    (
        "tea",
        "Tea",
        "Loose-leaf teas from named gardens, plus a few herbal infusions for the evening.",
    ),
    (
        "brewing-gear",
        "Brewing gear",
        "Drippers, kettles, grinders and presses for brewing at home or in a small cafe.",
    ),
    (
        "books",
        "Books",
        "Reading for the curious drinker: origins, roasting, brewing science and recipes.",
    ),
    (
        "kitchen",
        "Kitchen",
        "Cups, mugs, pitchers and storage that make the daily ritual a little nicer.",
    ),
    (
        "apparel",
        "Apparel",
        "Aprons, shirts and bags in organic cotton and waxed canvas, made to be worn at work.",
    ),
]

# (category slug, sku, name, price in EUR, description)
DEMO_PRODUCTS: list[tuple[str, str, str, str, str]] = [
    # --- coffee
    (
        "coffee",
        "COF-ETH-YIRG-250",
        "Ethiopia Yirgacheffe Kochere, 250 g",
        "14.50",
        "Washed heirloom varieties from smallholders in the Gedeo zone. Jasmine, bergamot and "
        "lemon curd; a light roast for pour-over.",
    ),
    (
        "coffee",
        "COF-KEN-NYERI-250",
        "Kenya Nyeri Gatomboya AA, 250 g",
        "16.90",
        "SL28 and SL34 from the Gatomboya washing station. Blackcurrant, pink grapefruit and "
        "cane sugar with a juicy, lingering finish.",
    ),
    (
        "coffee",
        "COF-COL-HUILA-250",
        "Colombia Huila La Plata, 250 g",
        "12.90",
        "Caturra and Castillo grown at 1,700 m. Red apple, panela and milk chocolate; a medium "
        "roast that works as filter and espresso.",
    ),
    (
        "coffee",
        "COF-BRA-CERR-1KG",
        "Brazil Cerrado Mineiro, 1 kg",
        "32.00",
        "Natural-process Yellow Bourbon. Roasted hazelnut, cocoa and low acidity: the base of a "
        "forgiving, sweet espresso with milk.",
    ),
    (
        "coffee",
        "COF-GUA-ANTI-250",
        "Guatemala Antigua San Miguel, 250 g",
        "13.50",
        "Bourbon grown on volcanic soil in the Antigua valley. Brown sugar, orange zest and a "
        "round, syrupy body.",
    ),
    (
        "coffee",
        "COF-SUM-MAND-250",
        "Sumatra Mandheling Grade 1, 250 g",
        "13.90",
        "Wet-hulled coffee from North Sumatra. Cedar, dark chocolate and spice, heavy body and "
        "very little acidity; good in a French press.",
    ),
    (
        "coffee",
        "COF-ESP-HOUSE-1KG",
        "House Espresso Blend, 1 kg",
        "29.50",
        "Brazil and Colombia with a touch of washed Ethiopia. Caramel, toasted almond and a "
        "bright cherry note; rested five days before shipping.",
    ),
    (
        "coffee",
        "COF-DECAF-PERU-250",
        "Swiss Water Decaf Peru, 250 g",
        "13.90",
        "Organic Peruvian coffee decaffeinated with water only. Milk chocolate, walnut and "
        "dried plum; all the ritual, none of the late-night buzz.",
    ),
    (
        "coffee",
        "COF-PAN-GEISHA-100",
        "Panama Boquete Geisha, 100 g",
        "34.00",
        "A washed Geisha lot from Boquete, roasted very light. Jasmine, peach and honeysuckle "
        "with a tea-like body. Brew it as pour-over.",
    ),
    # --- tea
    (
        "tea",
        "TEA-DARJ-FF-100",
        "Darjeeling First Flush Castleton, 100 g",
        "15.80",
        "Spring harvest from the Castleton estate. Muscat grape, fresh-cut flowers and a light, "
        "brisk cup; steep at 85 C for three minutes.",
    ),
    (
        "tea",
        "TEA-ASSAM-BRK-250",
        "Assam Breakfast Harmutty, 250 g",
        "9.90",
        "Second flush broken leaf from the Harmutty garden. Malty and strong enough for milk.",
    ),
    (
        "tea",
        "TEA-SENCHA-KAGO-100",
        "Japanese Sencha Kagoshima, 100 g",
        "12.50",
        "Steamed green tea from southern Kyushu. Grassy, sweet and a little savoury; steep at "
        "70 C for one minute.",
    ),
    (
        "tea",
        "TEA-MATCHA-UJI-30",
        "Ceremonial Matcha Uji, 30 g",
        "22.00",
        "Stone-ground shade-grown tencha from Uji, Kyoto. Vivid green, creamy and sweet; whisk "
        "with 70 ml of water at 75 C.",
    ),
    (
        "tea",
        "TEA-OOLONG-TGY-100",
        "Tie Guan Yin Oolong, 100 g",
        "13.80",
        "Lightly oxidised rolled oolong from Anxi, Fujian. Orchid, butter and a long sweet "
        "aftertaste; good for five or six short infusions.",
    ),
    (
        "tea",
        "TEA-EARLGREY-100",
        "Earl Grey with Calabrian Bergamot, 100 g",
        "8.90",
        "Ceylon black tea scented with cold-pressed bergamot oil from Calabria. No flavourings.",
    ),
    (
        "tea",
        "TEA-ROOIBOS-100",
        "Organic Rooibos Cederberg, 100 g",
        "6.90",
        "Caffeine-free red bush from the Cederberg mountains. Honey, vanilla and dried fruit.",
    ),
    (
        "tea",
        "TEA-CHAMOMILE-50",
        "Egyptian Chamomile Flowers, 50 g",
        "5.90",
        "Whole chamomile blossoms from the Nile delta. Apple and hay; an evening classic.",
    ),
    # --- brewing gear
    (
        "brewing-gear",
        "GEAR-DRIP-CER-02",
        "Ceramic Pour-Over Dripper, size 02",
        "24.00",
        "A cone dripper with spiral ribs and one large outlet, for one to four cups. Pre-heat it "
        "with the rinse water.",
    ),
    (
        "brewing-gear",
        "GEAR-FILTER-02-100",
        "Paper Filters, size 02, 100 pack",
        "6.50",
        "Oxygen-bleached cone filters that fit every size 02 dripper. Rinse before brewing.",
    ),
    (
        "brewing-gear",
        "GEAR-KETTLE-GOOSE-1L",
        "Gooseneck Kettle with Thermometer, 1 l",
        "49.00",
        "Stainless steel stovetop kettle with a narrow spout for a slow, even pour and a "
        "built-in dial thermometer. Works on induction.",
    ),
    (
        "brewing-gear",
        "GEAR-GRIND-HAND-38",
        "Hand Grinder with 38 mm Steel Burrs",
        "89.00",
        "A compact manual grinder with stepped adjustment from espresso to French press. Grinds "
        "20 g for filter in about 40 seconds.",
    ),
    (
        "brewing-gear",
        "GEAR-GRIND-ELEC-40",
        "Electric Conical Burr Grinder",
        "179.00",
        "40 mm conical steel burrs, 40 grind settings and a timer. Quiet, low-retention and "
        "easy to clean.",
    ),
    (
        "brewing-gear",
        "GEAR-PRESS-FR-1L",
        "Double-Wall French Press, 1 l",
        "42.00",
        "Insulated stainless steel press with a fine double mesh filter. Keeps coffee hot for "
        "an hour.",
    ),
    (
        "brewing-gear",
        "GEAR-PRESS-IMM-1",
        "Immersion Press Brewer",
        "39.90",
        "A travel-friendly plunger brewer for one cup: full immersion, then a gentle press "
        "through a paper filter. Includes 350 filters.",
    ),
    (
        "brewing-gear",
        "GEAR-SCALE-TIMER",
        "Brewing Scale with Timer",
        "34.90",
        "0.1 g resolution up to 2 kg, an auto-start timer and a heat-resistant silicone pad. "
        "USB-C rechargeable.",
    ),
    (
        "brewing-gear",
        "GEAR-MOKA-6CUP",
        "Stovetop Moka Pot, 6 cup",
        "36.00",
        "Classic eight-sided aluminium moka pot. Strong, syrupy coffee in five minutes on gas "
        "or electric hobs.",
    ),
    (
        "brewing-gear",
        "GEAR-CARAFE-GLASS-6",
        "Glass Carafe Brewer, 6 cup",
        "46.00",
        "An hourglass borosilicate brewer with a wooden collar. Thick bonded filters give a very "
        "clean cup.",
    ),
    (
        "brewing-gear",
        "GEAR-COLDBREW-1L",
        "Cold Brew Bottle, 1 l",
        "27.50",
        "Steep coarse coffee overnight in the fridge; the fine mesh core lifts out. Dishwasher "
        "safe.",
    ),
    (
        "brewing-gear",
        "GEAR-ESPRESSO-SB",
        "Single Boiler Espresso Machine",
        "649.00",
        "A PID-controlled single boiler machine with a commercial 58 mm group, a steam wand and "
        "a 2 l reservoir. Heats up in ten minutes.",
    ),
    # --- books
    (
        "books",
        "BOOK-ORIGINS-FIELD",
        "Origins: A Field Guide to Coffee Farms",
        "32.00",
        "Hardcover, 288 pages. Forty farms in twelve countries, with maps, harvest calendars "
        "and the people who grow the coffee.",
    ),
    (
        "books",
        "BOOK-HOME-BARISTA",
        "The Home Barista Handbook",
        "27.00",
        "Paperback, 224 pages. Dialling in espresso, steaming milk and keeping a machine happy, "
        "with troubleshooting charts.",
    ),
    (
        "books",
        "BOOK-STEEPED-ASIA",
        "Steeped: Tea Traditions of Asia",
        "29.00",
        "Hardcover, 256 pages. From gongfu cha in Fujian to chai stalls in Kolkata, with "
        "brewing guides for every style.",
    ),
    (
        "books",
        "BOOK-WATER-EXTRACT",
        "Water for Coffee: The Chemistry of Extraction",
        "24.50",
        "Paperback, 176 pages. Hardness, alkalinity and why your tap water changes the cup; "
        "recipes for brewing water.",
    ),
    (
        "books",
        "BOOK-ROASTER-NOTES",
        "The Roaster's Notebook",
        "19.90",
        "Spiral-bound log book with roast curve grids, cupping forms and green coffee notes.",
    ),
    (
        "books",
        "BOOK-CAFE-KITCHEN",
        "Cafe Kitchen: Pastries for Slow Mornings",
        "26.00",
        "Hardcover, 192 pages. Sixty recipes for cardamom buns, financiers, granola and the "
        "other things that go with a good cup.",
    ),
    # --- kitchen
    (
        "kitchen",
        "KIT-MUG-STONE-350",
        "Stoneware Mug, 350 ml",
        "16.00",
        "Hand-glazed stoneware in speckled oat. Microwave and dishwasher safe.",
    ),
    (
        "kitchen",
        "KIT-CUP-ESP-SET2",
        "Porcelain Espresso Cups, set of 2",
        "22.00",
        "Thick-walled 80 ml cups with saucers that hold the heat of a double shot.",
    ),
    (
        "kitchen",
        "KIT-GLASS-DW-SET2",
        "Double-Wall Glasses 250 ml, set of 2",
        "19.50",
        "Mouth-blown borosilicate glasses that keep drinks hot and hands cool.",
    ),
    (
        "kitchen",
        "KIT-CANISTER-500",
        "Airtight Coffee Canister, 500 g",
        "24.90",
        "Stainless steel canister with a one-way CO2 valve and a date wheel on the lid.",
    ),
    (
        "kitchen",
        "KIT-PITCHER-600",
        "Stainless Milk Pitcher, 600 ml",
        "18.00",
        "A pitcher with a sharp spout for latte art and measurement marks inside.",
    ),
    (
        "kitchen",
        "KIT-TEAPOT-CAST-08",
        "Cast Iron Teapot, 0.8 l",
        "44.00",
        "Enamel-lined tetsubin-style pot with a removable stainless infuser.",
    ),
    (
        "kitchen",
        "KIT-TRAY-WALNUT",
        "Walnut Serving Tray",
        "38.00",
        "Solid walnut tray, 40 x 25 cm, finished with food-safe oil. Each grain is different.",
    ),
    (
        "kitchen",
        "KIT-FROTHER-HAND",
        "Handheld Milk Frother",
        "14.90",
        "A battery-powered whisk for foamed milk, matcha and hot chocolate. Stand included.",
    ),
    # --- apparel
    (
        "apparel",
        "APP-APRON-CANVAS",
        "Waxed Canvas Barista Apron",
        "54.00",
        "Heavy waxed cotton with leather cross-back straps and two deep front pockets. One size.",
    ),
    (
        "apparel",
        "APP-TEE-ROAST-M",
        "Roast Date T-shirt, organic cotton, M",
        "28.00",
        "A soft 180 g organic cotton tee with a small roast-curve print on the chest.",
    ),
    (
        "apparel",
        "APP-TEE-ROAST-L",
        "Roast Date T-shirt, organic cotton, L",
        "28.00",
        "A soft 180 g organic cotton tee with a small roast-curve print on the chest.",
    ),
    (
        "apparel",
        "APP-HOODIE-BEAN-M",
        "Coffee Bean Hoodie, M",
        "59.00",
        "Brushed organic cotton fleece with an embroidered coffee bean. Warm enough for early "
        "shifts.",
    ),
    (
        "apparel",
        "APP-CAP-LOGO",
        "Six-Panel Logo Cap",
        "24.00",
        "Washed cotton twill cap with an adjustable brass buckle.",
    ),
    (
        "apparel",
        "APP-TOTE-CANVAS",
        "Canvas Market Tote",
        "15.00",
        "A sturdy 12 oz canvas tote, big enough for a week of coffee and a book.",
    ),
]
