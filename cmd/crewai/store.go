package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crewai-go/crewai/knowledge"
	"github.com/crewai-go/crewai/memory"
	"github.com/crewai-go/crewai/rag/localstore"
)

// storePath returns the vector store file: --db, else $CREWAI_VECTOR_DB,
// else the default.
func (c *cli) storePath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := c.getenv("CREWAI_VECTOR_DB"); p != "" {
		return p
	}
	return localstore.DefaultPath
}

// openStore opens the store file; ok is false (and nothing is created) when
// it does not exist.
func (c *cli) openStore(path string) (st *localstore.Store, ok bool, err error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(c.stderr, "No vector store at %s (nothing was remembered or ingested there yet).\n", path)
		return nil, false, nil
	}
	st, err = localstore.Open(path)
	if err != nil {
		return nil, false, err
	}
	return st, true, nil
}

func (c *cli) memoryCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("memory: missing subcommand (list or reset)")
	}
	switch args[0] {
	case "list":
		return c.memoryList(ctx, args[1:])
	case "reset":
		return c.memoryReset(ctx, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.stdout, mainUsage)
		return nil
	}
	return usagef("memory: unknown subcommand %q (want list or reset)", args[0])
}

func (c *cli) memoryList(ctx context.Context, args []string) error {
	fs := c.newFlags("memory list", "[--crew NAME | --all] [--agent ROLE] [--db FILE] [--json]",
		"List what crews remember, newest first: the memories saved by package memory in the local vector store.")
	crew := fs.String("crew", "", "the crew whose memories to list (its Name; \"crew\" when it has none)")
	all := fs.Bool("all", false, "list the memories of every crew")
	agent := fs.String("agent", "", "only the memories of this agent role")
	db := fs.String("db", "", "store file (default $CREWAI_VECTOR_DB or "+localstore.DefaultPath+")")
	asJSON := fs.Bool("json", false, "print JSON lines")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("memory list: unexpected argument %q", pos[0])
	}
	scope := *crew
	switch {
	case *all && *crew != "":
		return usagef("memory list: give --crew or --all, not both")
	case *all:
		scope = "*"
	case *crew == "":
		return usagef("memory list: give --crew NAME (or --all)")
	}
	st, ok, err := c.openStore(c.storePath(*db))
	if err != nil || !ok {
		return err
	}
	defer st.Close()
	m := &memory.Memory{Store: st}
	items, err := m.List(ctx, scope, *agent)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		for _, it := range items {
			if err := enc.Encode(map[string]any{"id": it.ID, "text": it.Text, "crew": it.Crew, "agent": it.Agent,
				"importance": it.Importance, "created": it.Created.Format(time.RFC3339), "source": it.Source}); err != nil {
				return err
			}
		}
		return nil
	}
	if len(items) == 0 {
		fmt.Fprintln(c.stdout, "No memories.")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SAVED\tCREW\tAGENT\tIMPORTANCE\tMEMORY")
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\n", it.Created.In(c.loc).Format("2006-01-02 15:04"), dash(it.Crew),
			dash(it.Agent), it.Importance, oneLine(it.Text))
	}
	return tw.Flush()
}

func (c *cli) memoryReset(ctx context.Context, args []string) error {
	fs := c.newFlags("memory reset", "(--crew NAME [--agent ROLE] | --all) [--db FILE]",
		"Forget the memories of a crew (or of one of its agents), or of every crew.")
	crew := fs.String("crew", "", "the crew whose memories to forget")
	all := fs.Bool("all", false, "forget every memory")
	agent := fs.String("agent", "", "only the memories of this agent role")
	db := fs.String("db", "", "store file (default $CREWAI_VECTOR_DB or "+localstore.DefaultPath+")")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("memory reset: unexpected argument %q", pos[0])
	}
	scope := *crew
	switch {
	case *all && (*crew != "" || *agent != ""):
		return usagef("memory reset: --all forgets everything; do not combine it with --crew or --agent")
	case *all:
		scope = "*"
	case *crew == "":
		return usagef("memory reset: give --crew NAME (or --all); nothing was forgotten")
	}
	st, ok, err := c.openStore(c.storePath(*db))
	if err != nil || !ok {
		return err
	}
	defer st.Close()
	m := &memory.Memory{Store: st}
	before, err := m.List(ctx, scope, *agent)
	if err != nil {
		return err
	}
	if err := m.Reset(ctx, scope, *agent); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Forgot %d memories of %s.\n", len(before), describeScope(scope, *agent))
	return nil
}

func describeScope(crew, agent string) string {
	switch {
	case crew == "*":
		return "every crew"
	case agent != "":
		return fmt.Sprintf("agent %q of crew %q", agent, crew)
	}
	return fmt.Sprintf("crew %q", crew)
}

func (c *cli) knowledgeCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("knowledge: missing subcommand (list or reset)")
	}
	switch args[0] {
	case "list":
		return c.knowledgeList(ctx, args[1:])
	case "reset":
		return c.knowledgeReset(ctx, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.stdout, mainUsage)
		return nil
	}
	return usagef("knowledge: unknown subcommand %q (want list or reset)", args[0])
}

func (c *cli) knowledgeList(ctx context.Context, args []string) error {
	fs := c.newFlags("knowledge list", "[--db FILE]",
		"List the knowledge collections of the local vector store: their sources and chunk counts.")
	db := fs.String("db", "", "store file (default $CREWAI_VECTOR_DB or "+localstore.DefaultPath+")")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("knowledge list: unexpected argument %q", pos[0])
	}
	st, ok, err := c.openStore(c.storePath(*db))
	if err != nil || !ok {
		return err
	}
	defer st.Close()
	cols, err := st.Collections(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCHUNKS\tSOURCES")
	n := 0
	for _, col := range cols {
		name, ok := strings.CutPrefix(col, "knowledge_")
		if !ok {
			continue
		}
		docs, err := st.List(ctx, col, nil)
		if err != nil {
			return err
		}
		var srcs []string
		for _, d := range docs {
			if s := d.Metadata["source"]; !slices.Contains(srcs, s) {
				srcs = append(srcs, s)
			}
		}
		slices.Sort(srcs)
		fmt.Fprintf(tw, "%s\t%d\t%s\n", name, len(docs), strings.Join(srcs, ", "))
		n++
	}
	if n == 0 {
		fmt.Fprintln(c.stdout, "No knowledge collections.")
		return nil
	}
	return tw.Flush()
}

func (c *cli) knowledgeReset(ctx context.Context, args []string) error {
	fs := c.newFlags("knowledge reset", "(--name NAME | --all) [--db FILE]",
		"Remove a knowledge collection (its sources are ingested again on the next run), or all of them.")
	name := fs.String("name", "", "the Knowledge's Name (\"default\" when it has none)")
	all := fs.Bool("all", false, "remove every knowledge collection")
	db := fs.String("db", "", "store file (default $CREWAI_VECTOR_DB or "+localstore.DefaultPath+")")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("knowledge reset: unexpected argument %q", pos[0])
	}
	if *all == (*name != "") {
		return usagef("knowledge reset: give --name NAME or --all; nothing was removed")
	}
	st, ok, err := c.openStore(c.storePath(*db))
	if err != nil || !ok {
		return err
	}
	defer st.Close()
	var targets []string
	if *all {
		cols, err := st.Collections(ctx)
		if err != nil {
			return err
		}
		for _, col := range cols {
			if strings.HasPrefix(col, "knowledge_") {
				targets = append(targets, col)
			}
		}
	} else {
		targets = []string{knowledge.CollectionName(*name)}
	}
	for _, col := range targets {
		if err := st.Reset(ctx, col); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Removed knowledge %s.\n", strings.TrimPrefix(col, "knowledge_"))
	}
	if len(targets) == 0 {
		fmt.Fprintln(c.stdout, "No knowledge collections.")
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
