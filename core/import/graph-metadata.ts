/** The key of model.json's userDefinedMetadata under which Netwright's export writes its graph. */
export const GRAPH_METADATA_KEY = 'netwrightGraph';
