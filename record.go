package shiftwire

// Record is one object of a collection in its Go form, such as *Clocking or *Person: a
// struct that embeds Base. Its JSON is the object as the API shows it, without
// changeVersion; CollectionOf finds its collection.
//
// A Record written through an ObjectWriter must have passed its collection's rules: come
// from CollectionType.Decode, or be checked with ValidateRecord when it is built in Go.
type Record interface {
	// ObjectID returns the record's id; 0 asks the server to assign one.
	ObjectID() int64
	setID(id int64)
}

// Base is what every record type embeds: its id, the first member of its JSON.
type Base struct {
	ID int64 `json:"id"`
}

// ObjectID returns the record's id.
func (b *Base) ObjectID() int64 { return b.ID }

func (b *Base) setID(id int64) { b.ID = id }

// IDRef is a reference to another object by its id: {"id":12}, as in person.id.
type IDRef struct {
	ID int64 `json:"id"`
}

// StringRef is a reference by a string id that Shiftwire keeps as given and does not
// resolve: {"id":"1-12-345"}, as in an absence's request.id.
type StringRef struct {
	ID string `json:"id"`
}

// TranslatedText is a name with translations: {"default":"Lunch","translations":{"nl":"Middagpauze"}}.
// Translations are keyed by language code and always rendered, as {} when there are none,
// so consumers can read them without checking for null.
type TranslatedText struct {
	Default      string            `json:"default"`
	Translations map[string]string `json:"translations"`
}

// The limits every collection's write rules share.
const (
	// MaxTextLength is the longest string field, in characters.
	MaxTextLength = 200
	// MaxTranslations is the most translations one name may have.
	MaxTranslations = 50
	// MaxObjectID is the largest id, and the largest integer field: Protime's ids and
	// counts are 32-bit integers, and integrations that store them as such must not
	// receive larger ones from this stand-in.
	MaxObjectID = 1<<31 - 1
	// MaxTimeInMinutes is the latest start or end time of an instance such as a break or an
	// absence, in minutes from midnight of its date: two days, so the end of a night shift
	// that started on the date counts on it, as a clocking's time does.
	MaxTimeInMinutes = 2880
	// MaxDurationInMinutes is the longest duration of an instance such as a break, an
	// absence or a counter: 31 days, the longest period Protime counts in (a pay period).
	MaxDurationInMinutes = 31 * 1440
)
