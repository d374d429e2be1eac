import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { SearchMemoriesDto } from './search.dto';
import { SearchResponse, toSearchResponse } from './search.response';
import { SearchService } from './search.service';

@ApiTags('memories')
@Controller('memories')
export class SearchController {
  constructor(private readonly searches: SearchService) {}

  @Post('search')
  @HttpCode(200)
  @Authenticated('memories:read')
  @ApiOkResponse({ type: SearchResponse })
  async search(
    @CurrentCaller() caller: Caller,
    @Body() body: SearchMemoriesDto,
  ): Promise<SearchResponse> {
    return toSearchResponse(await this.searches.run(caller, body));
  }
}
