package semconv

// Embedding, retrieval and memory steps (packages rag, knowledge, memory).
const (
	// OpEmbeddings is the GenAI operation of an embeddings call.
	OpEmbeddings = "embeddings"
	// OpRetrieve names a vector search (crewai-go's own verb).
	OpRetrieve = "retrieve"
	// OpSaveMemory names a memory save (crewai-go's own verb).
	OpSaveMemory = "save_memory"

	// GenAIEmbeddingsDimensionCount is the length of the vectors returned.
	GenAIEmbeddingsDimensionCount = "gen_ai.embeddings.dimension.count"

	// OpenInference span kinds of these steps, and the attributes of an
	// embedding and of retrieved documents (retrieval.documents.<i>.*).
	OIKindEmbedding         = "EMBEDDING"
	OIKindRetriever         = "RETRIEVER"
	OIEmbeddingModelName    = "embedding.model_name"
	OIRetrievalDocuments    = "retrieval.documents"
	OIDocumentIDSuffix      = "document.id"
	OIDocumentContentSuffix = "document.content"
	OIDocumentScoreSuffix   = "document.score"

	CrewAIEmbeddingInputs   = "crewai.embedding.inputs"
	CrewAIRetrievalSource   = "crewai.retrieval.source"
	CrewAIRetrievalColl     = "crewai.retrieval.collection"
	CrewAIRetrievalBackend  = "crewai.retrieval.backend"
	CrewAIRetrievalQuery    = "crewai.retrieval.query"
	CrewAIRetrievalLimit    = "crewai.retrieval.limit"
	CrewAIRetrievalMinScore = "crewai.retrieval.threshold"
	CrewAIRetrievalAgent    = "crewai.retrieval.agent"
	CrewAIRetrievalResults  = "crewai.retrieval.results"
	CrewAIRetrievalScores   = "crewai.retrieval.scores"
	CrewAIMemoryScope       = "crewai.memory.scope"
	CrewAIMemoryAgent       = "crewai.memory.agent"
	CrewAIMemoryStatements  = "crewai.memory.statements"
	CrewAIMemoryCount       = "crewai.memory.count"
)
