// Quire's addition to FerretDB 1.24.2 (copied into internal/handler/ by Quire's build; see
// src/db/ferretdb/README.md in Quire).
//
// FerretDB 1.24 applies update, findAndModify and delete by reading the matching documents, changing them
// in Go and writing them back by _id, with no check that they are unchanged: two concurrent $inc on one
// document can give +1, a conditional update ({_id, version}) can have several winners, a delete with a
// condition can remove a document that no longer matches. Those write commands are therefore run one at a
// time per collection, so each read-modify-write is whole, as MongoDB's single-document writes are.
// Reads are not held up; inserts need no turn (SQLite's unique indexes already refuse duplicates).

package handler

import (
	"context"
	"sync"

	"github.com/FerretDB/wire"

	"github.com/FerretDB/FerretDB/internal/bson"
)

// quireSerialisedCommands are the write commands that read documents before writing them.
var quireSerialisedCommands = []string{"update", "findAndModify", "findandmodify", "delete"}

// quireCollectionLocks holds one mutex per "database.collection"; entries are never removed (a few
// bytes per collection ever written).
var quireCollectionLocks sync.Map

// quireSerialiseWrites wraps the handlers of quireSerialisedCommands; called at the end of initCommands.
func (h *Handler) quireSerialiseWrites() {
	for _, name := range quireSerialisedCommands {
		cmd := h.commands[name]
		if cmd == nil {
			continue
		}

		inner := cmd.Handler
		cmd.Handler = func(ctx context.Context, msg *wire.OpMsg) (*wire.OpMsg, error) {
			mu, _ := quireCollectionLocks.LoadOrStore(quireNamespace(msg), new(sync.Mutex))
			mu.(*sync.Mutex).Lock()
			defer mu.(*sync.Mutex).Unlock()

			return inner(ctx, msg)
		}
	}
}

// quireNamespace is "database.collection" of a write command, or "" (one lock for every malformed
// command, which the handler then refuses) when it cannot be read.
func quireNamespace(msg *wire.OpMsg) string {
	// Section 0 alone names the command, the collection and the database; the documents that may
	// follow in other sections are not decoded here.
	doc, err := bson.ToDocument(msg.RawSection0())
	if err != nil {
		return ""
	}

	coll, err := doc.Get(doc.Command())
	if err != nil {
		return ""
	}

	db, err := doc.Get("$db")
	if err != nil {
		return ""
	}

	c, ok1 := coll.(string)
	d, ok2 := db.(string)

	if !ok1 || !ok2 {
		return ""
	}

	return d + "." + c
}
