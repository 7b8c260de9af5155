package shiftwire

// ExternalReference selects one external reference to add to payloads: Name (a predefined
// reference such as "@badge-number", or a custom name) on objects of Collection.
type ExternalReference struct {
	Collection string
	Name       string
}

// ExternalReferences is a selection of external references, in the order they were given.
type ExternalReferences []ExternalReference
